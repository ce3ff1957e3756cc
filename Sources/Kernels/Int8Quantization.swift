/// Symmetric int8 quantization of a weight W [rows, columns] (one row per output channel) with
/// one scale per group of g consecutive columns of a row (g = columns: per row), and its
/// inverse on a block of rows. For group k of row r, G = columns k·g..<(k+1)·g, and the largest
/// code M (127 for 8-bit weights, 63 for 7-bit ones):
///
///     s[r, k] = max_{i∈G} |W[r, i]| / M   (1 for an all-zero group; at least the smallest normal float)
///     Q[r, i] = clamp(roundHalfEven(W[r, i] / s[r, k]), −M, M),    W[r, i] ≈ s[r, k] · Q[r, i]
///
/// so that |W[r, i] − s·Q[r, i]| ≤ s / 2 for every finite weight, and a zero weight gives Q = 0
/// exactly. −128 is never produced (the range is symmetric). Scales are [rows, columns/g]
/// row-major. 16 lanes at a time; pointers may have any alignment.
public enum Int8Quantization {
    typealias Vector = VectorMath.Vector

    /// Quantizes W [rows, columns] into `values` [rows, columns] and `scales` [rows, columns/g]
    /// (g = `groupSize`, which divides `columns`; nil: per row, scales [rows]), codes in
    /// −`maximumCode`…`maximumCode` (1…127).
    /// Returns the first row holding a NaN or infinite weight (its outputs are then unspecified),
    /// or nil when every weight is finite.
    @discardableResult
    public static func quantize(_ w: UnsafePointer<Float>, rows: Int, columns: Int, groupSize: Int? = nil, maximumCode: Int8 = 127,
                                values: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>) -> Int? {
        precondition(maximumCode >= 1, "maximum code \(maximumCode) must be at least 1")
        let (g, groups) = layout(columns: columns, groupSize: groupSize)
        let codes = Float(maximumCode)
        var firstNonFinite: Int?
        for r in 0..<rows {
            for k in 0..<groups {
                let start = r * columns + k * g
                let (maximum, finite) = maximumMagnitude(w + start, count: g)
                if !finite, firstNonFinite == nil { firstNonFinite = r }
                let scale = maximum > 0 ? Swift.max(maximum / codes, Float.leastNormalMagnitude) : 1
                scales[r * groups + k] = scale
                quantizeRow(w + start, count: g, scale: scale, maximumCode: codes, into: values + start)
            }
        }
        return firstNonFinite
    }

    /// out [rows, columns] = scales[r, i / g] · Float(values[r, i]) for rows `rowRange` of an int8
    /// weight whose rows are `columns` long, scales [rows, columns/g] (g = `groupSize`; nil: per
    /// row); `out` holds only those rows (row 0 = rowRange.lowerBound).
    public static func dequantize(_ values: UnsafePointer<Int8>, scales: UnsafePointer<Float>, columns: Int, groupSize: Int? = nil,
                                  rows rowRange: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let width = VectorMath.width
        let (g, groups) = layout(columns: columns, groupSize: groupSize)
        for (t, r) in rowRange.enumerated() {
            for k in 0..<groups {
                let q = values + r * columns + k * g, y = out + t * columns + k * g
                let s = scales[r * groups + k], sv = Vector(repeating: s)
                var i = 0
                while i + width <= g {
                    let raw = UnsafeRawPointer(q + i).loadUnaligned(as: SIMD16<Int8>.self)
                    VectorMath.store(Vector(SIMD16<Int32>(truncatingIfNeeded: raw)) * sv, y + i)
                    i += width
                }
                while i < g {
                    y[i] = Float(q[i]) * s
                    i += 1
                }
            }
        }
    }

    /// (g, scales per row): (columns, 1) per row; an empty row still has its one scale.
    @inline(__always)
    static func layout(columns: Int, groupSize: Int?) -> (Int, Int) {
        let g = groupSize ?? columns
        precondition(columns == 0 || (g > 0 && columns % g == 0), "group size \(g) does not divide \(columns) columns")
        return columns == 0 ? (0, 1) : (g, columns / g)
    }

    /// max_i |x[i]| (NaN ignored) and whether every x[i] is finite.
    @inline(__always)
    static func maximumMagnitude(_ x: UnsafePointer<Float>, count: Int) -> (Float, Bool) {
        let width = VectorMath.width
        var m = Vector(repeating: 0), poison = Vector(repeating: 0)
        var i = 0
        while i + width <= count {
            let v = VectorMath.load(x + i)
            let a = VectorMath.magnitude(v)
            m.replace(with: a, where: a .> m)
            poison += v * 0 // NaN once any lane is ±∞ or NaN
            i += width
        }
        var maximum = VectorMath.maximum(m)
        var finite = VectorMath.sum(poison) == 0
        while i < count {
            let a = abs(x[i])
            if a > maximum { maximum = a }
            if !x[i].isFinite { finite = false }
            i += 1
        }
        return (maximum, finite)
    }

    /// q[i] = clamp(roundHalfEven(x[i] / scale), −M, M), M = `maximumCode` ≤ 127.
    ///
    /// Vector body: clamp first (NaN → 0), then add 1.5·2²³: for |v| ≤ 127 the f32 sum rounds
    /// to the nearest integer, ties to even (the default rounding mode), and that integer sits in
    /// the low mantissa bits, so bits(v + 1.5·2²³) − bits(1.5·2²³) is roundHalfEven(v) as Int32.
    /// (`SIMD.rounded(_:)` and `SIMD16<Int32>(_:rounding:)` stay scalar: 20 ns per weight.)
    @inline(__always)
    static func quantizeRow(_ x: UnsafePointer<Float>, count: Int, scale: Float, maximumCode m: Float = 127,
                            into q: UnsafeMutablePointer<Int8>) {
        let width = VectorMath.width
        let sv = Vector(repeating: scale)
        let magic = Vector(repeating: 0x1.8p23), magicBits = SIMD16<Int32>(repeating: 0x4B40_0000)
        var i = 0
        while i + width <= count {
            var v = VectorMath.clamp(VectorMath.load(x + i) / sv, -m, m)
            v.replace(with: 0, where: v .!= v)
            let n = unsafeBitCast(v + magic, to: SIMD16<Int32>.self) &- magicBits
            UnsafeMutableRawPointer(q + i).storeBytes(of: SIMD16<Int8>(truncatingIfNeeded: n), as: SIMD16<Int8>.self)
            i += width
        }
        while i < count {
            q[i] = element(x[i], scale: scale, maximumCode: m)
            i += 1
        }
    }

    /// One weight: clamp(roundHalfEven(x / scale), −M, M); 0 for NaN.
    @inline(__always)
    static func element(_ x: Float, scale: Float, maximumCode m: Float = 127) -> Int8 {
        let v = (x / scale).rounded(.toNearestOrEven)
        guard !v.isNaN else { return 0 }
        return Int8(Swift.min(Swift.max(v, -m), m))
    }
}
