/// bfloat16 has no Swift type: it is the top 16 bits of an IEEE float32, carried as `UInt16`.
public enum BFloat16 {
    @inline(__always)
    public static func toFloat(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Round-to-nearest-even; NaN stays a (quiet) NaN.
    @inline(__always)
    public static func fromFloat(_ f: Float) -> UInt16 {
        let u = f.bitPattern
        if f.isNaN { return UInt16(u >> 16) | 0x40 }
        return UInt16((u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16)
    }
}
