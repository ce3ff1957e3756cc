/// Byte-plane shuffling of fixed-size elements, a lossless transform that makes float weights
/// compress better: the sign/exponent bytes of neighbouring elements end up next to each other
/// (PLATFORM-NOTES §2: f32 at zstd L3 from 92.3% to 85.6% of the original size).
///
/// For n elements of s bytes: `shuffled[p·n + i] = bytes[i·s + p]`, p < s, i < n.
enum ByteShuffle {
    /// Planes of `bytes` (whose count is a multiple of `elementSize`).
    static func shuffle(_ bytes: UnsafeRawBufferPointer, elementSize s: Int) -> [UInt8] {
        precondition(s > 0 && bytes.count % s == 0, "\(bytes.count) bytes are not whole \(s)-byte elements")
        let n = bytes.count / s
        return [UInt8](unsafeUninitializedCapacity: bytes.count) { out, initialized in
            if let src = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), let dst = out.baseAddress {
                for p in 0..<s {
                    let plane = dst + p * n
                    for i in 0..<n { plane[i] = src[i * s + p] }
                }
            }
            initialized = bytes.count
        }
    }

    /// Inverse of `shuffle`: element bytes from planes.
    static func unshuffle(_ planes: [UInt8], elementSize s: Int) -> [UInt8] {
        precondition(s > 0 && planes.count % s == 0, "\(planes.count) bytes are not whole \(s)-byte elements")
        let n = planes.count / s
        return planes.withUnsafeBufferPointer { src in
            [UInt8](unsafeUninitializedCapacity: planes.count) { out, initialized in
                if let s0 = src.baseAddress, let dst = out.baseAddress {
                    for p in 0..<s {
                        let plane = s0 + p * n
                        for i in 0..<n { dst[i * s + p] = plane[i] }
                    }
                }
                initialized = planes.count
            }
        }
    }
}
