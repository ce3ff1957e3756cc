/// Byte layout of a `.pare` file (all integers little-endian); see `ArtifactWriter`.
///
/// ```
/// preamble  32 B   magic "PARE\r\n\u{1A}\n" | u32 version | u32 flags (0) | u64 M | u64 D
/// manifest   M B   one zstd frame; decodes to D bytes of JSON (the manifest)
/// padding    P B   zeros up to the next multiple of 64 (version 2; P = 0 in version 1)
/// data       N B   one frame per tensor, in tensor-table (name) order; raw frames start at
///                  multiples of 64 (zeros between frames)
/// footer    56 B   u64 N | SHA-256 of the D decoded manifest bytes (32 B) | u64 total | "PAREEND\n"
/// ```
///
/// So in version 2 a raw frame's file offset, 32 + M + P + offset, is a multiple of 64 and a
/// mapping of the file (page-aligned) holds it at a 64-byte-aligned address.
enum ArtifactLayout {
    /// The PNG-style magic: `\r\n` and `\u{1A}` detect text-mode and truncating transfers.
    static let magic: [UInt8] = Array("PARE\r\n\u{1A}\n".utf8)
    static let endMagic: [UInt8] = Array("PAREEND\n".utf8)
    static let preambleSize = 32
    static let footerSize = 56
    /// The largest decoded manifest a reader accepts (tokenizers of big vocabularies are ~10 MB).
    static let maxManifestBytes = 256 << 20
    /// Where raw frames and (version 2) the data section start: multiples of 64 bytes, one cache
    /// line and the widest vector load.
    static let frameAlignment = 64

    /// The file offset of the data section: 32 + M, rounded up to `frameAlignment` from version 2 on.
    static func dataStart(version: UInt32, manifestFrameBytes: Int) -> Int {
        let end = preambleSize + manifestFrameBytes
        return version >= 2 ? aligned(end) : end
    }

    /// The zero bytes between the manifest frame and the data section.
    static func padding(version: UInt32, manifestFrameBytes: Int) -> [UInt8] {
        [UInt8](repeating: 0, count: dataStart(version: version, manifestFrameBytes: manifestFrameBytes) - preambleSize - manifestFrameBytes)
    }

    /// `records` (in table order) with data-section offsets: back to back, each raw frame moved up
    /// to the next multiple of `frameAlignment` (zeros in between); and the data section's length.
    static func placed(_ records: [ArtifactManifest.TensorRecord]) -> (table: [ArtifactManifest.TensorRecord], dataBytes: Int) {
        var offset = 0
        let table = records.map { record in
            var record = record
            record.offset = record.encoding == .raw ? aligned(offset) : offset
            offset = record.offset + record.compressedBytes
            return record
        }
        return (table, offset)
    }

    /// `offset` rounded up to a multiple of `frameAlignment`.
    static func aligned(_ offset: Int) -> Int { (offset + frameAlignment - 1) / frameAlignment * frameAlignment }

    /// The preamble and footer around a manifest of `manifestJSON` (written as `manifestFrame`)
    /// and a data section of `dataBytes`: M, D, N, the manifest's SHA-256 and the total length
    /// (with the padding before the data section that `version` asks for).
    static func framing(version: UInt32, manifestJSON: [UInt8], manifestFrame: [UInt8], dataBytes: Int)
        -> (preamble: Preamble, footer: Footer) {
        let preamble = Preamble(version: version, flags: 0, manifestFrameBytes: UInt64(manifestFrame.count),
                                manifestBytes: UInt64(manifestJSON.count))
        let total = dataStart(version: version, manifestFrameBytes: manifestFrame.count) + dataBytes + footerSize
        let footer = Footer(dataBytes: UInt64(dataBytes), manifestSHA256: SHA256Hex.digest(manifestJSON), totalBytes: UInt64(total))
        return (preamble, footer)
    }

    struct Preamble: Equatable {
        var version: UInt32
        var flags: UInt32
        /// M, the manifest frame's length.
        var manifestFrameBytes: UInt64
        /// D, the decoded manifest's length.
        var manifestBytes: UInt64

        var encoded: [UInt8] {
            ArtifactLayout.magic + le(version) + le(flags) + le(manifestFrameBytes) + le(manifestBytes)
        }

        /// From the first 32 bytes (magic already checked).
        init(_ b: [UInt8]) {
            version = readLE(b, 8)
            flags = readLE(b, 12)
            manifestFrameBytes = readLE(b, 16)
            manifestBytes = readLE(b, 24)
        }

        init(version: UInt32, flags: UInt32, manifestFrameBytes: UInt64, manifestBytes: UInt64) {
            self.version = version
            self.flags = flags
            self.manifestFrameBytes = manifestFrameBytes
            self.manifestBytes = manifestBytes
        }
    }

    struct Footer: Equatable {
        /// N, the data section's length.
        var dataBytes: UInt64
        var manifestSHA256: [UInt8]
        var totalBytes: UInt64

        var encoded: [UInt8] { le(dataBytes) + manifestSHA256 + le(totalBytes) + ArtifactLayout.endMagic }

        /// From the last 56 bytes (end magic already checked).
        init(_ b: [UInt8]) {
            dataBytes = readLE(b, 0)
            manifestSHA256 = Array(b[8..<40])
            totalBytes = readLE(b, 40)
        }

        init(dataBytes: UInt64, manifestSHA256: [UInt8], totalBytes: UInt64) {
            self.dataBytes = dataBytes
            self.manifestSHA256 = manifestSHA256
            self.totalBytes = totalBytes
        }
    }
}

private func le<I: FixedWidthInteger>(_ value: I) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

private func readLE<I: FixedWidthInteger>(_ bytes: [UInt8], _ at: Int) -> I {
    var v: I = 0
    for k in (0..<(I.bitWidth / 8)).reversed() { v = v << 8 | I(bytes[at + k]) }
    return v
}
