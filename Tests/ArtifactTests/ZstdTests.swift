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
        #expect(throws: ZstdError.sizeMismatch(expected: payload.count + 1, actual: payload.count)) {
            try Zstd.decompress(frame, expectedSize: payload.count + 1)
        }
        var damaged = frame
        damaged[damaged.count / 2] ^= 0xFF
        #expect(throws: ZstdError.self) { try Zstd.decompress(damaged, expectedSize: payload.count) }
    }
}
