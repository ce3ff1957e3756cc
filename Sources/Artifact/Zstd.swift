import CZstd

/// zstd frames: one per call, bounded by what they really hold when decoded.
public enum Zstd {
    /// One zstd frame holding `bytes`, at `level` (1…19), using `workers` threads (0 = in the
    /// calling thread). The output is identical for any worker count ≥ 1, and identical to
    /// `workers: 0` only for inputs up to 512 KiB: above that, multithreaded zstd cuts the input
    /// into jobs and writes different (slightly larger) frames. Callers needing bytes that do
    /// not depend on the thread count pass 0 (as `ArtifactWriter` does).
    public static func compress(_ bytes: UnsafeRawBufferPointer, level: Int = 3, workers: Int = 0) -> [UInt8] {
        let context = ZSTD_createCCtx()!
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        if workers > 0 {
            ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(workers))
            ZSTD_CCtx_setParameter(context, ZSTD_c_jobSize, 4 << 20)
            ZSTD_CCtx_setParameter(context, ZSTD_c_overlapLog, 5)
        }
        let capacity = ZSTD_compressBound(bytes.count)
        var out = [UInt8](repeating: 0, count: capacity)
        let written = out.withUnsafeMutableBytes { dst in
            ZSTD_compress2(context, dst.baseAddress, capacity, bytes.baseAddress, bytes.count)
        }
        precondition(ZSTD_isError(written) == 0, "zstd: " + String(cString: ZSTD_getErrorName(written)))
        out.removeSubrange(written...)
        return out
    }

    public static func compress(_ bytes: [UInt8], level: Int = 3, workers: Int = 0) -> [UInt8] {
        bytes.withUnsafeBytes { compress($0, level: level, workers: workers) }
    }

    /// The most one frame of c bytes can decode to is `maxExpansion`·c: every block decodes to at
    /// most 128 KiB (Block_Maximum_Size) and takes at least 4 of the c bytes (a 3-byte block
    /// header and the one byte an RLE block repeats). A larger declared size is impossible.
    public static let maxExpansion = (128 << 10) / 4

    /// Whether a frame of `frameBytes` can decode to `bytes`: bytes ≤ `maxExpansion` · frameBytes
    /// (without overflow).
    public static func canDecode(_ bytes: Int, from frameBytes: Int) -> Bool {
        let (most, beyond) = frameBytes.multipliedReportingOverflow(by: maxExpansion)
        return beyond || bytes <= most
    }

    /// Decodes `frame`, which must be exactly one zstd frame whose header records `expectedSize`
    /// as its content size, to those bytes. Memory follows what the frame really produces, not
    /// what anything declares: the output starts at
    /// c₀ = min(expectedSize, max(1 MiB, 8·frame.count)) bytes, so a frame that expands at most
    /// 8× decodes in one call into its final array, and otherwise doubles as it fills, up to
    /// expectedSize. A frame whose header lies fails having filled at most what it produced, in
    /// a buffer at most 2× that (or c₀); only the pages written are ever touched.
    public static func decompress(_ frame: UnsafeRawBufferPointer, expectedSize: Int) throws(ZstdError) -> [UInt8] {
        try checkFrame(frame, expectedSize: expectedSize)
        let (eightfold, overflow) = frame.count.multipliedReportingOverflow(by: 8)
        let first = min(expectedSize, max(1 << 20, overflow ? Int.max : eightfold))
        if first == expectedSize { return try decodeAtOnce(frame, expectedSize: expectedSize) }
        return try decodeGrowing(frame, expectedSize: expectedSize, first: first)
    }

    public static func decompress(_ frame: [UInt8], expectedSize: Int) throws(ZstdError) -> [UInt8] {
        let result = frame.withUnsafeBytes { raw in
            Result { () throws(ZstdError) in try decompress(raw, expectedSize: expectedSize) }
        }
        return try result.get()
    }

    /// Reads only the frame header and the block headers: exactly one frame, no bytes after it,
    /// and a recorded content size equal to `expectedSize`.
    static func checkFrame(_ frame: UnsafeRawBufferPointer, expectedSize: Int) throws(ZstdError) {
        let header = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        if header == UInt64.max - 1 { throw .corrupt(reason: "no valid frame header") }
        if header == UInt64.max { throw .corrupt(reason: "the frame header does not record the content size") }
        guard expectedSize >= 0, header == UInt64(expectedSize) else {
            throw .headerSizeMismatch(expected: expectedSize, header: header)
        }
        let length = ZSTD_findFrameCompressedSize(frame.baseAddress, frame.count)
        if ZSTD_isError(length) != 0 { throw .corrupt(reason: String(cString: ZSTD_getErrorName(length))) }
        guard length == frame.count else { throw .corrupt(reason: "\(frame.count - length) bytes follow the end of the frame") }
    }

    /// One call into an array of exactly `expectedSize` bytes.
    private static func decodeAtOnce(_ frame: UnsafeRawBufferPointer, expectedSize: Int) throws(ZstdError) -> [UInt8] {
        let context = ZSTD_createDCtx()!
        defer { ZSTD_freeDCtx(context) }
        var status = 0
        let out = [UInt8](unsafeUninitializedCapacity: expectedSize) { dst, initialized in
            status = ZSTD_decompressDCtx(context, dst.baseAddress, expectedSize, frame.baseAddress, frame.count)
            initialized = ZSTD_isError(status) != 0 ? 0 : status
        }
        if ZSTD_isError(status) != 0 { throw .corrupt(reason: String(cString: ZSTD_getErrorName(status))) }
        guard status == expectedSize else { throw .sizeMismatch(expected: expectedSize, actual: status) }
        return out
    }

    /// Streaming decode into an array that starts at `first` bytes and doubles (up to
    /// `expectedSize`) each time the frame fills it. The array's tail past what is decoded is
    /// counted but never read: zstd writes it before anything looks at it, and it is cut off at the end.
    private static func decodeGrowing(_ frame: UnsafeRawBufferPointer, expectedSize: Int, first: Int) throws(ZstdError) -> [UInt8] {
        let context = ZSTD_createDCtx()!
        defer { ZSTD_freeDCtx(context) }
        var input = ZSTD_inBuffer(src: frame.baseAddress, size: frame.count, pos: 0)
        var out = [UInt8](unsafeUninitializedCapacity: first) { _, initialized in initialized = first }
        var produced = 0
        while true {
            let consumed = input.pos, before = produced
            let status = out.withUnsafeMutableBytes { dst in
                var output = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: produced)
                defer { produced = output.pos }
                return ZSTD_decompressStream(context, &output, &input)
            }
            if ZSTD_isError(status) != 0 { throw .corrupt(reason: String(cString: ZSTD_getErrorName(status))) }
            if status == 0 { break }
            if produced == out.count, out.count < expectedSize {
                let grown = min(expectedSize, 2 * out.count)
                out = out.withUnsafeBytes { old in
                    [UInt8](unsafeUninitializedCapacity: grown) { dst, initialized in
                        dst.baseAddress!.update(from: old.bindMemory(to: UInt8.self).baseAddress!, count: produced)
                        initialized = grown
                    }
                }
            } else if input.pos == consumed, produced == before {
                throw .corrupt(reason: input.pos == input.size ? "the frame ends before its content does"
                                                               : "the frame decodes to more than its header records")
            }
        }
        guard produced == expectedSize else { throw .sizeMismatch(expected: expectedSize, actual: produced) }
        out.removeSubrange(produced...)
        return out
    }
}

/// A zstd frame that is not one frame decoding to what was declared.
public enum ZstdError: Error, Equatable, Sendable, CustomStringConvertible {
    case corrupt(reason: String)
    /// The frame header records `header` content bytes, not the `expected` declared elsewhere.
    case headerSizeMismatch(expected: Int, header: UInt64)
    case sizeMismatch(expected: Int, actual: Int)

    public var description: String {
        let damaged = "the file is damaged, recompile it"
        return switch self {
        case let .corrupt(reason): "zstd frame is corrupt (\(reason)); \(damaged)"
        case let .headerSizeMismatch(expected, header):
            "zstd frame header records \(header) decoded bytes, the manifest declares \(expected); \(damaged)"
        case let .sizeMismatch(expected, actual):
            "zstd frame decodes to \(actual) bytes, the manifest declares \(expected); \(damaged)"
        }
    }
}
