import Foundation
import JSON
import ModelIR
import Testing
import TensorCore
@testable import Artifact

/// Tensors streamed in any order, a few at a time, give the artifact `ArtifactWriter.write`
/// gives; the frames wait in an anonymous spool, so nothing but the finished file (or nothing)
/// is ever left in the directory. Oracle for the bytes: `StreamingFixtures.inMemory`, the
/// artifact assembled with every frame in memory (the writer before spooling).
@Suite final class StreamingArtifactWriterTests {
    /// Removed with everything in it when the test ends.
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    func files(_ directory: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

    /// The fixture's model, a fresh directory, `<dir>/m.pare` and a writer to it.
    func start(_ fixture: String) throws -> (model: Model, dir: String, path: String, writer: StreamingArtifactWriter) {
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        return (try ArtifactFixtures.model(fixture), dir, dir + "/m.pare",
                try StreamingArtifactWriter(path: dir + "/m.pare", inputs: [], options: .init()))
    }

    @Test(arguments: ["tiny-bert", "tiny-gpt2", "tiny-llama", "tiny-t5"])
    func shuffledBlockByBlockAddsGiveTheBytesOfArtifactWriter(fixture: String) throws {
        let model = try ArtifactFixtures.model(fixture)
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        let written = try ArtifactFixtures.write(model, fixture: fixture, to: dir + "/whole.pare")
        for seed: UInt64 in [1, 2] {
            let streamed = try StreamingFixtures.write(model, fixture: fixture, to: dir + "/streamed-\(seed).pare", seed: seed)
            #expect(streamed == written)
            #expect(try ArtifactFixtures.bytes(dir + "/streamed-\(seed).pare") == ArtifactFixtures.bytes(dir + "/whole.pare"))
        }
        #expect(try ArtifactFixtures.bytes(dir + "/whole.pare") == StreamingFixtures.inMemory(model, fixture: fixture, scratch: dir))
        #expect(try files(dir) == ["streamed-1.pare", "streamed-2.pare", "whole.pare"])
    }

    /// A 6.4 MB embedding (over zstd's 512 KiB multithreading threshold) among the block tensors;
    /// one tensor per `add` and all at once; level 3, unshuffled too.
    @Test func workerCountAndBatchingDoNotChangeTheBytes() throws {
        var model = try ArtifactFixtures.model("tiny-bert")
        var rng = SplitMix64(seed: 11)
        model.config.vocabSize = 50_000
        model.embeddings.word = Tensor((0..<(50_000 * 32)).map { _ in rng.normal(standardDeviation: 0.02) }, shape: [50_000, 32])
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        for shuffle in [true, false] {
            let expected = try StreamingFixtures.inMemory(model, fixture: "tiny-bert", options: .init(level: 3, shuffleFloats: shuffle),
                                                          scratch: dir)
            for workers in [1, 2] {
                let options = ArtifactWriter.Options(level: 3, workers: workers, shuffleFloats: shuffle)
                let blocks = StreamingFixtures.blockByBlock(model, seed: 3)
                for (label, batches) in [("blocks", blocks), ("single", blocks.flatMap { $0 }.map { [$0] }), ("all", [blocks.flatMap { $0 }])] {
                    let path = dir + "/\(label)-w\(workers)-s\(shuffle).pare"
                    try StreamingFixtures.write(model, fixture: "tiny-bert", to: path, options: options, batches: batches)
                    #expect(try ArtifactFixtures.bytes(path) == expected, "\(label), workers \(workers), shuffle \(shuffle)")
                }
            }
        }
    }

    @Test func aRepeatedNameIsRefusedAndAddsNothing() throws {
        let (model, dir, path, writer) = try start("tiny-bert")
        let named = model.namedTensors
        try writer.add(Array(named.prefix(3)))
        // Within one call, and against an earlier call: nothing of the failing batch is kept.
        #expect(ArtifactFixtures.error { try writer.add([named[5], named[6], named[5]]) }
                == .tensorAddedTwice(path: path, name: named[5].name))
        #expect(ArtifactFixtures.error { try writer.add([named[4], named[1]]) } == .tensorAddedTwice(path: path, name: named[1].name))
        #expect(writer.records.map(\.name).sorted() == named.prefix(3).map(\.name).sorted())
        try writer.add(Array(named.dropFirst(3)))
        try StreamingFixtures.finish(writer, model, fixture: "tiny-bert")
        #expect(try ArtifactFixtures.bytes(path) == StreamingFixtures.inMemory(model, fixture: "tiny-bert", scratch: dir))
    }

    /// finish refuses, writes nothing and leaves the writer open: a missing tensor, one too many,
    /// one of another shape, a skeleton that does not verify (the model's diagnostics: the
    /// verifier reads only dtypes and shapes).
    @Test func finishRefusesTensorsThatAreNotTheSkeletons() throws {
        let (model, dir, path, writer) = try start("tiny-bert")
        let named = model.namedTensors
        func finish(_ skeleton: Skeleton) -> ArtifactError? {
            ArtifactFixtures.error {
                try writer.finish(skeleton: skeleton, sourceConfig: "{}", tokenizerFiles: [:], passLog: [],
                                  provenance: ArtifactFixtures.provenance, extensions: [:])
            }
        }
        let missing = named[named.count / 2]
        try writer.add(named.filter { $0.name != missing.name })
        #expect(finish(model.skeleton) == .tensorNotAdded(path: path, name: missing.name))
        #expect(try files(dir).isEmpty)

        try writer.add([missing, ("blocks.9.extra", Tensor([1, 2], shape: [2])), ("blocks.0.also", Tensor([1], shape: [1]))])
        #expect(finish(model.skeleton) == .tensorNotInModel(path: path, name: "blocks.0.also"))
        var wider = model.skeleton
        wider.embeddings.norm?.weight = TensorSpec(dtype: .f16, shape: [32])
        #expect(finish(wider) == .addedTensorMismatch(path: path, name: "embeddings.norm.weight",
                                                      added: TensorSpec(dtype: .f32, shape: [32]), skeleton: TensorSpec(dtype: .f16, shape: [32])))
        var broken = model
        broken.blocks[0].attention.keptHeads = []
        #expect(broken.skeleton.verify() == broken.verify())
        #expect(finish(broken.skeleton) == .invalidGraph(path: path, diagnostics: broken.verify()))
        #expect(try files(dir).isEmpty)
        #expect(ArtifactError.tensorNotAdded(path: "m.pare", name: "blocks.0.mlp.up.weight").description
                == "m.pare: the model needs tensor 'blocks.0.mlp.up.weight' but it was never added to the artifact writer; add every tensor of the model before finishing")
    }

    /// The spool is unlinked as soon as it is made: the directory holds nothing while tensors are
    /// added, and nothing after cancel, deinit or a failed finish; cancel closes the spool.
    @Test func cancelDeinitAndErrorsLeaveNothingBehind() throws {
        let (model, dir, path, writer) = try start("tiny-gpt2")
        try writer.add(model.namedTensors)
        #expect(try files(dir).isEmpty)
        #expect(try StreamingFixtures.openSpools(beside: path).count == 1)
        writer.cancel()
        writer.cancel()
        #expect(try StreamingFixtures.openSpools(beside: path).isEmpty)
        #expect(try files(dir).isEmpty)

        do {
            let dropped = try StreamingArtifactWriter(path: path, inputs: [], options: .init())
            try dropped.add(Array(model.namedTensors.prefix(4)))
        }
        #expect(try StreamingFixtures.openSpools(beside: path).isEmpty)

        let failing = try StreamingArtifactWriter(path: path, inputs: [], options: .init())
        try failing.add(model.namedTensors)
        let error = ArtifactFixtures.error {
            try failing.finish(skeleton: model.skeleton, sourceConfig: "{}", tokenizerFiles: [:], passLog: [],
                               provenance: ArtifactFixtures.provenance, extensions: ["x": .double(.infinity)])
        }
        #expect(error == .unencodableManifest(path: path, reason: "inf at extensions.x"))
        #expect(try files(dir).isEmpty)
        failing.cancel()
        #expect(try StreamingFixtures.openSpools(beside: path).isEmpty)

        #expect(ArtifactFixtures.error { try StreamingArtifactWriter(path: dir + "/no/such/m.pare", inputs: [], options: .init()) }
                == .file(.cannotWrite(path: dir + "/no/such/m.pare", reason: "No such file or directory")))
        #expect(try files(dir).isEmpty)
        try ArtifactFixtures.writeBytes([1], to: dir + "/config.json")
        #expect(ArtifactFixtures.error { try StreamingArtifactWriter(path: dir + "/./config.json", inputs: [dir + "/config.json"],
                                                                     options: .init()) }
                == .file(.wouldOverwriteInput(path: dir + "/./config.json")))
        #expect(try files(dir) == ["config.json"])
    }

    /// After N tensors the writer holds N records and no frame: every record field is a scalar
    /// or a short string, and the spool holds exactly the frames' bytes.
    @Test func recordsHoldNoFramesTheSpoolDoes() throws {
        let model = try ArtifactFixtures.model("tiny-llama")
        let writer = try StreamingArtifactWriter(path: ArtifactFixtures.temporaryDirectory(in: scratch) + "/m.pare", inputs: [],
                                                 options: .init(workers: 2))
        defer { writer.cancel() }
        var count = 0
        for batch in StreamingFixtures.blockByBlock(model, seed: 5) {
            try writer.add(batch)
            count += batch.count
            #expect(writer.records.count == count)
            #expect(writer.spooledBytes == writer.records.reduce(0) { $0 + $1.compressedBytes })
        }
        for record in writer.records {
            for child in Mirror(reflecting: record).children {
                #expect(!(child.value is [UInt8]) && !(child.value is Tensor), "\(child.label ?? "?") holds bytes")
            }
        }
        let spans = writer.records.map { $0.offset..<($0.offset + $0.compressedBytes) }.sorted { $0.lowerBound < $1.lowerBound }
        #expect(zip(spans, spans.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound } && spans.first?.lowerBound == 0)
    }

    /// Delivery stops once the sink says so: serially after that frame, with 2 threads after
    /// at most the one other frame in flight.
    @Test func frameEncoderStopsWhenTheSinkSaysSo() {
        let tensors = (0..<16).map { Tensor([Float](repeating: Float($0), count: 64), shape: [64]) }
        for (threads, most) in [(1, 1), (2, 2)] {
            var delivered: [Int] = []
            FrameEncoder.encode(tensors, level: 1, shuffleFloats: true, raw: RawFramePolicy(minBytes: .max), threads: threads) { i, _ in
                delivered.append(i)
                return false
            }
            #expect((1...most).contains(delivered.count), "threads \(threads): \(delivered)")
        }
    }

    /// A spool's name (left only by a kill between its creation and unlink) counts as a stale
    /// temporary of its process: the next write removes it when that process is gone.
    @Test func staleSpoolNamesOfDeadProcessesAreRemoved() throws {
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let dead = gone.processIdentifier, live = getpid()
        let planted = ["m.pare.tmp-\(dead)", "m.pare.tmp-\(dead).spool-a1B2c3", "m.pare.tmp-\(live).spool-x9Y8z7",
                       "m.pare.tmp-\(dead)x", "m.pare.tmp-.spool-q"]
        for name in planted { FileManager.default.createFile(atPath: dir + "/" + name, contents: Data([1])) }
        try StreamingFixtures.write(try ArtifactFixtures.model("tiny-bert"), fixture: "tiny-bert", to: dir + "/m.pare")
        #expect(try files(dir) == ["m.pare", "m.pare.tmp-\(dead)x", "m.pare.tmp-\(live).spool-x9Y8z7", "m.pare.tmp-.spool-q"].sorted())
    }
}
