import Testing

/// How far apart two float results of *different code paths* may be: two kernels that sum the
/// same products in another order (OpenBLAS's AVX-512 against its AVX2 kernels, a batched GEMM
/// against a one-row one, a fused loop against a naive one) agree only up to rounding, so tests
/// compare them by a bound derived from the arithmetic, never with `==`. Bit-identity (`==`)
/// stays for the same code run twice (determinism across runs and thread counts).
///
/// The bound is elementwise
///
///     |a − b| ≤ relative · max(|a|, |b|) + absolute
///
/// where `relative` is a stated number of units of f32 rounding (`FloatTolerance.epsilon`, 2⁻²⁴
/// per rounded operation) times the length of the sums involved, and `absolute` covers results
/// near zero, where a relative bound means nothing (cancellation): it is stated against the
/// magnitude of the terms that were summed, not of the result.
public struct FloatTolerance: Sendable, CustomStringConvertible {
    /// Largest relative error allowed, as a fraction of max(|a|, |b|).
    public var relative: Double
    /// Largest absolute error allowed on top of the relative part.
    public var absolute: Double

    public init(relative: Double, absolute: Double = 0) {
        precondition(relative >= 0 && absolute >= 0, "tolerances are non-negative")
        self.relative = relative
        self.absolute = absolute
    }

    /// u = 2⁻²⁴, the unit roundoff of f32 (half an ulp at 1).
    public static let epsilon = 0x1p-24

    /// A sum of n products rounded in another order: each of the n − 1 additions and the n
    /// products may round, so the results differ by at most about 2·n·u relative to the sum of
    /// the magnitudes (Higham, Accuracy and Stability of Numerical Algorithms, §3.1);
    /// `magnitude` is that sum of |terms| when it exceeds the result (cancellation).
    public static func reordered(sumOf n: Int, magnitude: Double = 0) -> FloatTolerance {
        let relative = 2 * Double(max(n, 1)) * epsilon
        return FloatTolerance(relative: relative, absolute: relative * magnitude)
    }

    /// Whether a and b are within the bound (NaN equals only NaN, an infinity only itself).
    public func accepts(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a.isInfinite || b.isInfinite { return a == b }
        return abs(a - b) <= relative * max(abs(a), abs(b)) + absolute
    }

    /// The first index where a and b differ by more than the bound, with both values, or nil.
    public func firstViolation<A: Collection, B: Collection>(_ a: A, _ b: B) -> (index: Int, a: Double, b: Double)?
    where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
        for (i, (x, y)) in zip(a, b).enumerated() where !accepts(Double(x), Double(y)) {
            return (i, Double(x), Double(y))
        }
        return nil
    }

    public var description: String { "relative \(relative), absolute \(absolute)" }

    /// Distance between two finite floats in units in the last place (0 when equal, 1 for
    /// neighbours; +0 and −0 are 0 apart).
    public static func ulps(_ a: Float, _ b: Float) -> UInt32 {
        func ordered(_ x: Float) -> Int64 {
            let bits = Int64(x.bitPattern)
            return x.sign == .minus ? -(bits & 0x7FFF_FFFF) : bits
        }
        return UInt32(clamping: abs(ordered(a) - ordered(b)))
    }
}

/// Expects two float sequences of the same length to agree within `tolerance` elementwise,
/// naming the first index that does not (with both values) in the failure.
public func expectClose<A: Collection, B: Collection>(
    _ actual: A, _ expected: B, _ tolerance: FloatTolerance, _ comment: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
    let what = comment()
    #expect(actual.count == expected.count, "\(what) lengths \(actual.count) and \(expected.count)", sourceLocation: sourceLocation)
    if let v = tolerance.firstViolation(actual, expected) {
        Issue.record("\(what) element \(v.index): \(v.a) vs \(v.b), beyond \(tolerance)", sourceLocation: sourceLocation)
    }
}

/// max |a − b| over paired values, for tests that state an absolute bound (golden outputs of
/// transformers at the precision they were stored, a naive reference kernel). +∞ when the
/// lengths differ or a NaN meets a number, so neither passes a `≤ bound` check silently.
public func maxDifference(_ a: some Sequence<Float>, _ b: some Sequence<Float>) -> Float {
    var (x, y) = (a.makeIterator(), b.makeIterator())
    var worst: Float = 0
    while true {
        switch (x.next(), y.next()) {
        case (nil, nil): return worst
        case let (u?, v?):
            if u.isNaN || v.isNaN {
                if !(u.isNaN && v.isNaN) { return .infinity }
            } else if u != v {
                worst = max(worst, abs(u - v))
            }
        default: return .infinity
        }
    }
}
