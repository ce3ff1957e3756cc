import Foundation
import JSON
import ModelIR
import Testing
import TensorCore
@testable import Artifact

/// Identical inputs give identical bytes: twice in a row, whatever the worker count, whatever
/// order tensors and dictionaries were built in.
@Suite final class ArtifactDeterminismTests {
    /// Removed with everything in it when the test ends.
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    @Test func twoWritesAreByteIdentical() throws {
        let model = try ArtifactFixtures.model("tiny-gpt2")
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        try ArtifactFixtures.write(model, fixture: "tiny-gpt2", to: dir + "/a.pare")
        try ArtifactFixtures.write(model, fixture: "tiny-gpt2", to: dir + "/b.pare")
        #expect(try ArtifactFixtures.bytes(dir + "/a.pare") == ArtifactFixtures.bytes(dir + "/b.pare"))
    }

    /// A 6.4 MB embedding is larger than zstd's 512 KiB multithreading threshold, where
    /// multithreaded frames would differ; the writer's workers only run frames side by side.
    /// (Compressed, not raw, so that zstd's frames are what is compared; raw frames:
    /// `ArtifactRawFrameTests`.)
    @Test func workerCountDoesNotChangeTheBytes() throws {
        var model = try ArtifactFixtures.model("tiny-bert")
        var rng = SplitMix64(seed: 11)
        let vocab = 50_000
        model.config.vocabSize = vocab
        model.embeddings.word = Tensor((0..<(vocab * 32)).map { _ in rng.normal(standardDeviation: 0.02) }, shape: [vocab, 32])
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        var digests: [[UInt8]] = []
        for workers in [0, 1, 2] {
            let path = dir + "/w\(workers).pare"
            try ArtifactFixtures.write(model, fixture: "tiny-bert", to: path, options: .init(level: 3, workers: workers, rawFrameMinBytes: .max))
            digests.append(try ArtifactFixtures.bytes(path))
        }
        #expect(digests[0] == digests[1])
        #expect(digests[0] == digests[2])
    }

    /// The same model with owned copies made in reverse order (different allocations), and the
    /// manifest's dictionaries filled in another order, gives the same file as the mapped import.
    @Test func tensorAndDictionaryOrderDoNotMatter() throws {
        let mapped = try ArtifactFixtures.model("tiny-bert-cls")
        var copies: [String: Tensor] = [:]
        for (name, t) in mapped.namedTensors.reversed() {
            copies[name] = Tensor(dtype: t.dtype, shape: t.shape, bytes: t.withUnsafeBytes { Array($0) })
        }
        let owned = mapped.skeleton.mapNamed { name, _ in copies[name]! }
        #expect(owned == mapped)

        let files = try ArtifactFixtures.tokenizerFiles("tiny-bert-cls")
        var reversedFiles: [String: String] = [:]
        for key in files.keys.sorted().reversed() { reversedFiles[key] = files[key] }
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        func write(_ m: Model, _ tokenizer: [String: String], _ ext: [String: JSONValue], _ counters: [String: Int],
                   _ path: String) throws {
            _ = try ArtifactWriter.write(
                model: m, sourceConfig: try ArtifactFixtures.sourceConfig("tiny-bert-cls"), tokenizerFiles: tokenizer,
                passLog: [.init(pass: "cast", options: "", changed: true, counters: counters)],
                provenance: ArtifactFixtures.provenance, extensions: ext, to: path, inputs: [], options: .init())
        }
        try write(mapped, files, ["a": 1, "b": ["x": 1, "y": 2]], ["p": 1, "q": 2], dir + "/a.pare")
        try write(owned, reversedFiles, ["b": ["y": 2, "x": 1], "a": 1], ["q": 2, "p": 1], dir + "/b.pare")
        #expect(try ArtifactFixtures.bytes(dir + "/a.pare") == ArtifactFixtures.bytes(dir + "/b.pare"))
    }
}
