#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The curve f(l) fitted to ACC_l over layers l = 1…L (ACC-SPEC §4, Eq. 2a).
public struct CurveFit: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Least-squares polynomial in l of degree 1, 2 (the default) or 3.
        case linear, quadratic, cubic
        /// f(l) = a·e^{b·l}, fitted by least squares on log ACC.
        case exponential
        /// f(l) = ACC_l, no fit.
        case raw
    }

    public var kind: Kind
    /// Polynomials: c₀, c₁, … with f(l) = Σ cₖ lᵏ. Exponential: [a, b]. Raw: the ACC values.
    public var coefficients: [Double]

    public init(kind: Kind, coefficients: [Double]) {
        self.kind = kind
        self.coefficients = coefficients
    }

    /// Fits `kind` to `acc` (acc[0] is layer 1). A polynomial degree is capped at L−1, and with
    /// L ≤ 2 the raw values are used (ACC-SPEC §8.7).
    public static func fit(_ acc: [Double], kind: Kind) -> CurveFit {
        let layers = acc.count
        let xs = (1...max(layers, 1)).map(Double.init)
        switch kind {
        case .raw:
            return CurveFit(kind: .raw, coefficients: acc)
        case _ where layers <= 2:
            return CurveFit(kind: .raw, coefficients: acc)
        case .exponential:
            let positive = acc.allSatisfy { $0 > 0 }
            guard positive else { return CurveFit(kind: .raw, coefficients: acc) }
            let line = polynomial(xs, acc.map { log($0) }, degree: 1)
            return CurveFit(kind: .exponential, coefficients: [exp(line[0]), line[1]])
        case .linear, .quadratic, .cubic:
            let degree = min(kind == .linear ? 1 : kind == .quadratic ? 2 : 3, layers - 1)
            let resolved: Kind = degree == 1 ? .linear : degree == 2 ? .quadratic : .cubic
            return CurveFit(kind: resolved, coefficients: polynomial(xs, acc, degree: degree))
        }
    }

    /// f(l) for the 1-based layer l.
    public func value(at l: Int) -> Double {
        switch kind {
        case .raw: return coefficients[l - 1]
        case .exponential: return coefficients[0] * exp(coefficients[1] * Double(l))
        default: return coefficients.reversed().reduce(0) { $0 * Double(l) + $1 }
        }
    }

    /// Least-squares polynomial coefficients c₀…c_d by the normal equations (x is centred and
    /// scaled first so they stay well conditioned for the few points a model has).
    static func polynomial(_ x: [Double], _ y: [Double], degree: Int) -> [Double] {
        let mean = x.reduce(0, +) / Double(x.count)
        let scale = max(x.map { abs($0 - mean) }.max() ?? 1, 1e-12)
        let t = x.map { ($0 - mean) / scale }
        let n = degree + 1
        var a = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
        for (ti, yi) in zip(t, y) {
            let powers = (0..<n).map { pow(ti, Double($0)) }
            for r in 0..<n {
                for c in 0..<n { a[r][c] += powers[r] * powers[c] }
                a[r][n] += powers[r] * yi
            }
        }
        // Gaussian elimination with partial pivoting.
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, pivot)
            for r in (col + 1)..<n {
                let f = a[r][col] / a[col][col]
                for c in col...n { a[r][c] -= f * a[col][c] }
            }
        }
        var u = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            u[r] = (a[r][n] - ((r + 1)..<n).reduce(0) { $0 + a[r][$1] * u[$1] }) / a[r][r]
        }
        // Expand Σ uₖ ((x − mean)/scale)ᵏ into powers of x.
        var c = [Double](repeating: 0, count: n)
        for k in 0..<n {
            for j in 0...k {
                c[j] += u[k] * binomial(k, j) * pow(-mean, Double(k - j)) / pow(scale, Double(k))
            }
        }
        return c
    }

    private static func binomial(_ n: Int, _ k: Int) -> Double {
        (0..<k).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) }
    }
}
