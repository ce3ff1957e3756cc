/// zstd frames written byte by byte (RFC 8878 §3.1.1), to say what libzstd's compressor never
/// would: a content size in the header that the blocks do not produce, or none at all.
enum HandMadeFrames {
    /// Magic, a single-segment header recording `contentSize` in 8 bytes (descriptor 0xE0: no
    /// checksum, no dictionary), then one RLE block per entry of `runs` (`byte` repeated that
    /// many times; each ≤ 128 KiB), the last one flagged. Decodes to Σ runs bytes whatever the header says.
    static func rle(contentSize: UInt64, runs: [Int], byte: UInt8 = 0) -> [UInt8] {
        magic + [0xE0] + withUnsafeBytes(of: contentSize.littleEndian) { Array($0) } + blocks(runs, byte)
    }

    /// The same blocks after a header with no content size: descriptor 0x00 and a window
    /// descriptor of 2^(10 + 7) = 128 KiB.
    static func withoutContentSize(runs: [Int], byte: UInt8 = 0) -> [UInt8] {
        magic + [0x00, 7 << 3] + blocks(runs, byte)
    }

    private static let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// Block header (3 bytes, little-endian): bit 0 last block, bits 1–2 type (1 = RLE), bits
    /// 3–23 the size; an RLE block's content is its one byte.
    private static func blocks(_ runs: [Int], _ byte: UInt8) -> [UInt8] {
        runs.enumerated().flatMap { i, run -> [UInt8] in
            let header = UInt32(i == runs.count - 1 ? 1 : 0) | 1 << 1 | UInt32(run) << 3
            return [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16 & 0xFF), byte]
        }
    }
}
