import Foundation
import ModelIR
import Testing
import TensorCore
@testable import Artifact

/// Byte-plane shuffling is lossless and makes float weights smaller.
@Suite final class ArtifactShuffleTests {
    /// Removed with everything in it when the test ends.
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    @Test(arguments: [1, 2, 4, 8])
    func shuffleInvertsExactly(elementSize: Int) {
        let bytes = (0..<(elementSize * 37)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let planes = bytes.withUnsafeBytes { ByteShuffle.shuffle($0, elementSize: elementSize) }
        #expect(ByteShuffle.unshuffle(planes, elementSize: elementSize) == bytes)
        // Plane p holds byte p of every element: planes[p·n + i] = bytes[i·s + p].
        #expect(planes[1 % elementSize * 37 + 5] == bytes[5 * elementSize + 1 % elementSize])
    }

    /// Oracle: the N(0, 0.02) weights of PLATFORM-NOTES §2; at any level the shuffled frame is smaller.
    @Test(arguments: [DType.f32, .f16, .bf16])
    func shuffledFloatFramesAreSmallerAndLossless(dtype: DType) throws {
        var rng = SplitMix64(seed: 5)
        let tensor = Tensor((0..<65_536).map { _ in rng.normal(standardDeviation: 0.02) }, shape: [256, 256], dtype: dtype)
        let plain = FrameEncoder.encode(tensor, level: 9, shuffleFloats: false, raw: RawFramePolicy(minBytes: .max))
        let shuffled = FrameEncoder.encode(tensor, level: 9, shuffleFloats: true, raw: RawFramePolicy(minBytes: .max))
        #expect(plain.encoding == .zstd && shuffled.encoding == .zstdShuffled)
        #expect(shuffled.frame.count < plain.frame.count)
        #expect(shuffled.sha256 == plain.sha256)
    }

    @Test func artifactsWithAndWithoutShufflingBothRoundTrip() throws {
        var model = try ArtifactFixtures.model("tiny-bert")
        var rng = SplitMix64(seed: 9)
        model.embeddings.word = Tensor((0..<(200 * 32)).map { _ in rng.normal(standardDeviation: 0.02) }, shape: [200, 32])
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        var sizes: [Bool: Int] = [:]
        for shuffle in [false, true] {
            let path = dir + "/\(shuffle).pare"
            try ArtifactFixtures.write(model, fixture: "tiny-bert", to: path, options: .init(shuffleFloats: shuffle))
            let reader = try ArtifactReader(path: path)
            #expect(try reader.model() == model)
            #expect(reader.manifest.tensors.allSatisfy { $0.encoding == (shuffle ? .zstdShuffled : .zstd) })
            sizes[shuffle] = reader.fileBytes
        }
        #expect(sizes[true]! < sizes[false]!)
    }
}
