import Testing
import TensorCore
@testable import Artifact

/// Proves libzstd is linked: round trips are lossless and bad frames are refused.
@Suite struct ZstdTests {
    let payload: [UInt8] = {
        var rng = SplitMix64(seed: 3)
        let floats = (0..<4096).map { _ in rng.normal(standardDeviation: 0.02) }
        return Tensor(floats, shape: [4096]).withUnsafeBytes { [UInt8]($0) } + [UInt8](repeating: 0, count: 4096)
    }()

    @Test(arguments: [(1, 0), (3, 0), (19, 0), (3, 2)])
    func roundTripIsLosslessAndSmaller(level: Int, workers: Int) throws {
        let frame = Zstd.compress(payload, level: level, workers: workers)
        #expect(frame.count < payload.count)
        #expect(try Zstd.decompress(frame, expectedSize: payload.count) == payload)
    }

    @Test func sameBytesWhateverTheWorkerCount() {
        #expect(Zstd.compress(payload, level: 3, workers: 0) == Zstd.compress(payload, level: 3, workers: 2))
    }

    @Test func wrongDeclaredSizeAndCorruptionAreErrors() {
        let frame = Zstd.compress(payload)
        #expect(throws: ZstdError.self) { try Zstd.decompress(frame, expectedSize: payload.count - 1) }
        #expect(throws: ZstdError.headerSizeMismatch(expected: payload.count + 1, header: UInt64(payload.count))) {
            try Zstd.decompress(frame, expectedSize: payload.count + 1)
        }
        var damaged = frame
        damaged[damaged.count / 2] ^= 0xFF
        #expect(throws: ZstdError.self) { try Zstd.decompress(damaged, expectedSize: payload.count) }
    }

    /// A frame that expands more than 8× past 1 MiB decodes through the doubling buffer
    /// (1 → 2 → 4 MiB here) to exactly the bytes compressed.
    @Test func highlyCompressibleFrameDecodesThroughTheGrowingBuffer() throws {
        var rng = SplitMix64(seed: 5)
        let sparse = (0..<((3 << 20) + 12345)).map { i in i % 4096 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : 0 }
        let frame = Zstd.compress(sparse)
        #expect(sparse.count > max(1 << 20, 8 * frame.count))
        #expect(try Zstd.decompress(frame, expectedSize: sparse.count) == sparse)
    }

    /// Exactly one frame, whose header records the declared size, and whose blocks make it:
    /// the header is read before any buffer is made, the blocks as they decode.
    @Test func onlyOneFrameDecodingToItsHeadersSizeIsAccepted() throws {
        let frame = Zstd.compress(payload), n = payload.count
        #expect(throws: ZstdError.corrupt(reason: "3 bytes follow the end of the frame")) {
            try Zstd.decompress(frame + [1, 2, 3], expectedSize: n)
        }
        #expect(throws: ZstdError.corrupt(reason: "\(frame.count) bytes follow the end of the frame")) {
            try Zstd.decompress(frame + frame, expectedSize: n)
        }
        #expect(throws: ZstdError.corrupt(reason: "Src size is incorrect")) { try Zstd.decompress(Array(frame.dropLast()), expectedSize: n) }
        #expect(throws: ZstdError.corrupt(reason: "no valid frame header")) { try Zstd.decompress(Array(payload.prefix(64)), expectedSize: n) }
        #expect(throws: ZstdError.corrupt(reason: "the frame header does not record the content size")) {
            try Zstd.decompress(HandMadeFrames.withoutContentSize(runs: [n]), expectedSize: n)
        }
        // Headers that lie: one call into the exact buffer, and the growing buffer (4 MiB > 1 MiB).
        #expect(throws: ZstdError.corrupt(reason: "Data corruption detected")) {
            try Zstd.decompress(HandMadeFrames.rle(contentSize: 1000, runs: [10]), expectedSize: 1000)
        }
        #expect(throws: ZstdError.corrupt(reason: "Destination buffer is too small")) {
            try Zstd.decompress(HandMadeFrames.rle(contentSize: 10, runs: [1000]), expectedSize: 10)
        }
        #expect(throws: ZstdError.corrupt(reason: "Data corruption detected")) {
            try Zstd.decompress(HandMadeFrames.rle(contentSize: 4 << 20, runs: Array(repeating: 128 << 10, count: 24)), expectedSize: 4 << 20)
        }
        #expect(throws: ZstdError.corrupt(reason: "Destination buffer is too small")) {
            try Zstd.decompress(HandMadeFrames.rle(contentSize: 4 << 20, runs: Array(repeating: 128 << 10, count: 40)), expectedSize: 4 << 20)
        }
        let honest = HandMadeFrames.rle(contentSize: 3 << 17, runs: [1 << 17, 1 << 17, 1 << 17], byte: 7)
        #expect(try Zstd.decompress(honest, expectedSize: 3 << 17) == [UInt8](repeating: 7, count: 3 << 17))
    }
}
