/// Sixteen-lane f32 building blocks for the kernels: unaligned loads and stores, partial
/// (tail) loads and stores, and branch-free exp, expm1, tanh and erf.
///
/// Release builds target Haswell (AVX2 + FMA), so a `Vector` is two ymm registers and
/// `addingProduct` is one `vfmadd` per half. Comparisons use mask selects
/// (`replacing(with:where:)`), never `pointwiseMin`/`pointwiseMax`, which stay scalar
/// there (PLATFORM-NOTES §4).
enum VectorMath {
    typealias Vector = SIMD16<Float>
    typealias Bits = SIMD16<UInt32>

    /// Lanes per vector.
    static let width = 16

    // MARK: Memory

    /// p[0..<16], any alignment.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    /// p[0..<16] = v, any alignment.
    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// p[0..<n] in the first n lanes (n < 16), `padding` in the others: for rows shorter than
    /// one vector. One small memcpy into the vector's bytes (a lane-by-lane loop made LLVM
    /// scalarise all the arithmetic on the result).
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, count n: Int, padding: Float) -> Vector {
        var v = Vector(repeating: padding)
        withUnsafeMutableBytes(of: &v) { $0.baseAddress!.copyMemory(from: p, byteCount: n * 4) }
        return v
    }

    /// p[0..<n] = the first n lanes of v (n < 16).
    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, count n: Int) {
        withUnsafeBytes(of: v) { UnsafeMutableRawPointer(p).copyMemory(from: $0.baseAddress!, byteCount: n * 4) }
    }

    /// Lanes `first..<16` set: the new lanes of an overlapping last vector.
    @inline(__always)
    static func lanes(from first: Int) -> SIMDMask<SIMD16<Int32>> {
        SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) .>= SIMD16<Int32>(repeating: Int32(first))
    }

    /// x[i] = f(x[i]) for i in 0..<count, in place.
    ///
    /// Tails: with count ≥ 16 and count % 16 ≠ 0, the last 16 values are transformed first,
    /// from the input, and stored after the body; the lanes they share with the body's last
    /// vector get the same values (f is lane-wise), so nothing is applied twice. Shorter
    /// inputs go through one padded vector. Either way every element sees the same arithmetic.
    /// `f` is a type, not a closure, so the specialised loop inlines it (a closure was left as
    /// a call per vector).
    @inline(__always)
    static func map<F: LaneFunction>(_ x: UnsafeMutablePointer<Float>, count: Int, _ f: F) {
        guard count >= width else {
            if count > 0 { store(f(load(x, count: count, padding: 0)), x, count: count) }
            return
        }
        let last = count - width
        let tail = count % width == 0 ? nil : f(load(x + last))
        var i = 0
        while i <= last {
            store(f(load(x + i)), x + i)
            i += width
        }
        if let tail { store(tail, x + last) }
    }

    // MARK: Lane helpers

    /// min(max(v, lower), upper); a NaN lane stays NaN.
    @inline(__always)
    static func clamp(_ v: Vector, _ lower: Float, _ upper: Float) -> Vector {
        var c = v.replacing(with: lower, where: v .< lower)
        c.replace(with: upper, where: c .> upper)
        return c
    }

    /// |v|, by clearing the sign bit.
    @inline(__always)
    static func magnitude(_ v: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(v, to: Bits.self) & Bits(repeating: 0x7FFF_FFFF), to: Vector.self)
    }

    /// The sign bit of `sign` on |magnitude| (magnitude must have a clear sign bit).
    @inline(__always)
    static func withSign(of sign: Vector, _ magnitude: Vector) -> Vector {
        let s = unsafeBitCast(sign, to: Bits.self) & Bits(repeating: 0x8000_0000)
        return unsafeBitCast(unsafeBitCast(magnitude, to: Bits.self) | s, to: Vector.self)
    }

    /// max over the lanes of v (NaN lanes ignored), by halving.
    @inline(__always)
    static func maximum(_ v: Vector) -> Float {
        var h8 = v.lowHalf
        h8.replace(with: v.highHalf, where: v.highHalf .> h8)
        var h4 = h8.lowHalf
        h4.replace(with: h8.highHalf, where: h8.highHalf .> h4)
        var h2 = h4.lowHalf
        h2.replace(with: h4.highHalf, where: h4.highHalf .> h2)
        return h2[1] > h2[0] ? h2[1] : h2[0]
    }

    /// Σ of the lanes of v, pairwise (a fixed order, so results do not depend on the build).
    @inline(__always)
    static func sum(_ v: Vector) -> Float {
        let h8 = v.lowHalf + v.highHalf
        let h4 = h8.lowHalf + h8.highHalf
        let h2 = h4.lowHalf + h4.highHalf
        return h2[0] + h2[1]
    }

    // MARK: Exponential

    /// e^x = 2^k · e^r with k = round(x / ln 2) and r = x − k·ln 2 ∈ [−ln2/2, ln2/2]; e^r − 1 is
    /// Cephes' `expf` polynomial r + r²·P(r), P of degree 5. Returns (2^k, e^r − 1).
    ///
    /// x is first raised to −88 (−inf too), so k ≥ −127; k = −127 makes the bit pattern of
    /// 2^k all zeros, i.e. 2^k = 0, so e^x is exactly 0 below about −87.68 and subnormal just
    /// above it. k is capped at 127 (the largest finite power); past x ≈ 88.38 r grows beyond
    /// ln2/2 and the all-positive polynomial carries the result to +inf once e^x overflows.
    @inline(__always)
    static func exponentParts(_ x: Vector) -> (scale: Vector, fraction: Vector) {
        let lowered = x.replacing(with: -88, where: x .< -88)
        let capped = lowered.replacing(with: 88.376_25, where: lowered .> 88.376_25)
        // Round to nearest by adding 1.5·2²³: the integer k then sits in the low mantissa bits.
        let magic = Vector(repeating: 12_582_912)
        let shifted = magic.addingProduct(capped, Vector(repeating: 1.442_695_04))
        let k = shifted - magic
        // r = x − k·ln2 with ln2 split in a float head and tail; each step is one fused op.
        var r = lowered.addingProduct(k, Vector(repeating: -0.693_147_182_464_599_609_375))
        r = r.addingProduct(k, Vector(repeating: 1.904_654_299_957_768e-9))
        var p = Vector(repeating: 1.987_569_150_0e-4)
        p = Vector(repeating: 1.398_199_950_7e-3).addingProduct(p, r)
        p = Vector(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
        p = Vector(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
        p = Vector(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
        p = Vector(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
        let fraction = r.addingProduct(p, r * r)
        // 2^k: the low bits of `shifted` hold k; shifting them into the exponent field and
        // adding the bias 127 builds the float (k = −127 wraps to the bit pattern of +0).
        let bits = (unsafeBitCast(shifted, to: Bits.self) &<< 23) &+ Bits(repeating: 0x3F80_0000)
        return (unsafeBitCast(bits, to: Vector.self), fraction)
    }

    /// e^x. Relative error ≤ 2e-7 on [−87, 88] (tested); 0 for x ≤ −87.7 and −inf; +inf past
    /// the f32 range; NaN stays NaN.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let (scale, fraction) = exponentParts(x)
        return scale.addingProduct(scale, fraction)
    }

    /// e^x − 1, accurate relative to the result near 0 too (no cancellation).
    @inline(__always)
    static func expm1(_ x: Vector) -> Vector {
        let (scale, fraction) = exponentParts(x)
        return (scale - 1).addingProduct(scale, fraction)
    }

    /// tanh(x) = sign(x) · (−m) / (2 + m), m = e^(−2|x|) − 1 ∈ [−1, 0]. Through expm1 the small
    /// arguments keep their relative accuracy; |x| large gives m = −1 and exactly ±1.
    @inline(__always)
    static func tanh(_ x: Vector) -> Vector {
        let m = expm1(-2 * magnitude(x))
        return withSign(of: x, -m / (2 + m))
    }

    // MARK: Error function

    /// erf(x) as Eigen's f32 rational approximation x·α(x²)/β(x²) with α of degree 6 and β of
    /// degree 4 in x², x clamped to [−4, 4] (|1 − erf(4)| < 1.6e-8). Absolute error ≤ 1e-6 over
    /// every float (tested); erf(±inf) = ±1.
    @inline(__always)
    static func erf(_ x: Vector) -> Vector {
        let c = clamp(x, -4, 4)
        let c2 = c * c
        var alpha = Vector(repeating: -2.726_142_258_013_06e-10)
        alpha = Vector(repeating: 2.770_681_424_959_02e-08).addingProduct(alpha, c2)
        alpha = Vector(repeating: -2.101_024_020_825_08e-06).addingProduct(alpha, c2)
        alpha = Vector(repeating: -5.692_506_394_623_46e-05).addingProduct(alpha, c2)
        alpha = Vector(repeating: -7.349_906_303_268_55e-04).addingProduct(alpha, c2)
        alpha = Vector(repeating: -2.954_599_808_540_25e-03).addingProduct(alpha, c2)
        alpha = Vector(repeating: -1.609_603_332_624_15e-02).addingProduct(alpha, c2)
        var beta = Vector(repeating: -1.456_607_184_649_96e-05)
        beta = Vector(repeating: -2.133_740_552_789_05e-04).addingProduct(beta, c2)
        beta = Vector(repeating: -1.682_826_974_382_03e-03).addingProduct(beta, c2)
        beta = Vector(repeating: -7.373_329_167_204_68e-03).addingProduct(beta, c2)
        beta = Vector(repeating: -1.426_473_905_141_89e-02).addingProduct(beta, c2)
        return c * alpha / beta
    }
}

/// A function applied lane by lane by `VectorMath.map`.
protocol LaneFunction {
    func callAsFunction(_ v: VectorMath.Vector) -> VectorMath.Vector
}
