import Foundation

/// GEMM throughput measured over a grid of shapes: C [m, n] = A [m, k] · Bᵀ, B [n, k] (a linear's
/// y = x·Wᵀ with m tokens, n = out, k = in). `f32` and `int8` hold one rate per grid point,
/// flattened [m][n][k] (k fastest). In a `MachineProfile` the rates are absolute (GFLOP/s, GOP/s
/// for int8, a multiply-add counting 2); in `KernelRates.gemm` they are divided by the f32 rate at
/// `MachineProfile.unitShape`, so a GEMM then costs 2·m·n·k / rate f32-GEMM FLOPs.
///
/// Between grid points the rate is interpolated multilinearly in (log₂ m, log₂ n, log₂ k) on
/// log(rate); outside the grid each coordinate is clamped to its first or last value.
public struct GEMMRateTable: Codable, Sendable, Equatable {
    public var m: [Int]
    public var n: [Int]
    public var k: [Int]
    public var f32: [Double]
    /// nil where the machine has no exact int8 kernel (int8 linears are widened to f32 there).
    public var int8: [Double]?

    public init(m: [Int], n: [Int], k: [Int], f32: [Double], int8: [Double]?) {
        self.m = m
        self.n = n
        self.k = k
        self.f32 = f32
        self.int8 = int8
    }

    /// The grid `pare machine-profile` measures: tokens per call from a decode step's few rows to
    /// a batch of 8 × 128, widths from a low-rank factor's 64 to a 4096-wide FFN.
    public static let standardGrid = (m: [16, 128, 1024], n: [64, 384, 1536, 4096], k: [64, 384, 1536, 4096])

    public var pointCount: Int { m.count * n.count * k.count }

    /// Index of (i, j, l) in the flattened [m][n][k] layout.
    public func index(_ i: Int, _ j: Int, _ l: Int) -> Int { (i * n.count + j) * k.count + l }

    /// The interpolated rate of `values` (f32 or int8) at (m, n, k).
    public func rate(_ values: [Double], m: Int, n: Int, k: Int) -> Double {
        let (i0, i1, ti) = Self.bracket(self.m, m), (j0, j1, tj) = Self.bracket(self.n, n), (l0, l1, tl) = Self.bracket(self.k, k)
        var corners: [(weight: Double, value: Double)] = []
        for (i, wi) in [(i0, 1 - ti), (i1, ti)] where wi > 0 {
            for (j, wj) in [(j0, 1 - tj), (j1, tj)] where wj > 0 {
                for (l, wl) in [(l0, 1 - tl), (l1, tl)] where wl > 0 {
                    corners.append((wi * wj * wl, max(values[index(i, j, l)], 1e-12)))
                }
            }
        }
        // On a grid point: its measured value exactly.
        if corners.count == 1 { return corners[0].value }
        return Foundation.exp(corners.reduce(0) { $0 + $1.weight * Foundation.log($1.value) })
    }

    /// The grid points around x and the weight of the upper one, in log₂ x, clamped to the axis.
    static func bracket(_ axis: [Int], _ x: Int) -> (Int, Int, Double) {
        guard let last = axis.indices.last else { return (0, 0, 0) }
        if x <= axis[0] { return (0, 0, 0) }
        if x >= axis[last] { return (last, last, 0) }
        let upper = axis.firstIndex { $0 >= x }!
        let a = Foundation.log2(Double(axis[upper - 1])), b = Foundation.log2(Double(axis[upper]))
        return (upper - 1, upper, (Foundation.log2(Double(x)) - a) / (b - a))
    }

    /// The same table with every rate divided by `unit`.
    public func scaled(by unit: Double) -> GEMMRateTable {
        GEMMRateTable(m: m, n: n, k: k, f32: f32.map { $0 / unit }, int8: int8?.map { $0 / unit })
    }

    /// What is wrong with the table's layout or figures, or nil.
    public var problem: String? {
        for (name, axis) in [("m", m), ("n", n), ("k", k)] {
            if axis.isEmpty || axis.contains(where: { $0 < 1 }) || zip(axis, axis.dropFirst()).contains(where: { $0 >= $1 }) {
                return "gemm.\(name) must be a non-empty ascending list of positive integers"
            }
        }
        for (name, values) in [("f32", f32), ("int8", int8 ?? Array(repeating: 1, count: pointCount))] {
            if values.count != pointCount { return "gemm.\(name) has \(values.count) rates for \(pointCount) grid points" }
            if let bad = values.first(where: { !($0 > 0 && $0.isFinite) }) { return "gemm.\(name) holds a rate of \(bad); rates must be positive" }
        }
        return nil
    }
}
