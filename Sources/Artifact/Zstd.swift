import CZstd

/// One-shot zstd frames.
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

    /// Decodes one frame that must expand to exactly `expectedSize` bytes; never allocates more.
    public static func decompress(_ frame: UnsafeRawBufferPointer, expectedSize: Int) throws(ZstdError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: expectedSize)
        let context = ZSTD_createDCtx()!
        defer { ZSTD_freeDCtx(context) }
        let n = out.withUnsafeMutableBytes { dst in
            ZSTD_decompressDCtx(context, dst.baseAddress, expectedSize, frame.baseAddress, frame.count)
        }
        if ZSTD_isError(n) != 0 { throw .corrupt(reason: String(cString: ZSTD_getErrorName(n))) }
        guard n == expectedSize else { throw .sizeMismatch(expected: expectedSize, actual: n) }
        return out
    }

    public static func decompress(_ frame: [UInt8], expectedSize: Int) throws(ZstdError) -> [UInt8] {
        let result = frame.withUnsafeBytes { raw in
            Result { () throws(ZstdError) in try decompress(raw, expectedSize: expectedSize) }
        }
        return try result.get()
    }
}

/// A zstd frame that does not decode to what was declared.
public enum ZstdError: Error, Equatable, Sendable, CustomStringConvertible {
    case corrupt(reason: String)
    case sizeMismatch(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case let .corrupt(reason): "zstd frame is corrupt (\(reason)); the file is damaged, recompile it"
        case let .sizeMismatch(expected, actual):
            "zstd frame decodes to \(actual) bytes, the manifest declares \(expected); the file is damaged, recompile it"
        }
    }
}
