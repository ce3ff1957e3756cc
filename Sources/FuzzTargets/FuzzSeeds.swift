import Artifact
import Driver
import Foundation

/// Seed corpora: valid inputs of each target, from the committed fixtures and recipes (and,
/// for artifacts, compiled from the fixtures), so that fuzzing starts from deep inside each
/// format. Every seed must be accepted (`FuzzTargetsTests` checks).
enum FuzzSeeds {
    typealias Seed = (name: String, bytes: [UInt8])

    static let checkpoints = ["tiny-bert", "tiny-bert-cls", "tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2", "tiny-t5", "tiny-flan-t5"]

    static func safetensors() throws -> [Seed] {
        try ["tiny-bert", "tiny-gpt2", "tiny-llama"].map { ($0 + ".safetensors", try FuzzFixtures.bytes($0 + "/model.safetensors")) }
            + [("bert-lora.safetensors", try FuzzFixtures.bytes("lora/bert-lora/adapter_model.safetensors"))]
    }

    static func configs() throws -> [Seed] {
        try checkpoints.map { ($0 + ".json", try FuzzFixtures.bytes($0 + "/config.json")) }
    }

    static func tokenizers() throws -> [Seed] {
        try ["tiny-bert", "tiny-gpt2", "tiny-llama", "tiny-qwen2", "tokenizer/t5-unigram", "tokenizer/t5-spm",
             "tokenizer/sentencepiece/sp-bpe", "tokenizer/sentencepiece/sp-bpe-bytes"].map {
            ($0.replacingOccurrences(of: "/", with: "-") + ".json", try FuzzFixtures.bytes($0 + "/tokenizer.json"))
        }
    }

    /// The BERT adapters (checked against tiny-bert): config, NUL, weights.
    static func adapters() throws -> [Seed] {
        try ["bert-lora", "bert-rslora", "bert-bias-all"].map {
            ($0, try FuzzFixtures.bytes("lora/\($0)/adapter_config.json") + [0]
                + FuzzFixtures.bytes("lora/\($0)/adapter_model.safetensors"))
        }
    }

    /// The shipped recipe files and the text form of each pass Pare has.
    static func recipes() throws -> [Seed] {
        let directory = FuzzFixtures.repository + "/passes"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
        let texts = ["int8-quantize", "cast{dtype=f16}", "magnitude-prune{sparsity=0.5,pattern=2:4},int8-quantize{granularity=per-group,group-size=32}",
                     "merge-lora,svd-lowrank{energy=0.9}", "head-prune{fraction=0.25,reconstruction=least-squares},ffn-prune{fraction=0.25}",
                     "elimination-profile{target-speedup=1.5}"]
        let json = #"{"version": 1, "summary": "json", "steps": [{"pass": "cast", "options": {"dtype": "f16"}}]}"#
        return try files.map { ($0, Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0)))) }
            + texts.enumerated().map { ("text-\($0.offset).txt", Array($0.element.utf8)) }
            + [("json.json", Array(json.utf8))]
    }

    static func calibration() throws -> [Seed] {
        let corpus = try String(contentsOfFile: FuzzFixtures.repository + "/examples/calibration/default.txt", encoding: .utf8)
        let text = corpus.split(separator: "\n").prefix(12).joined(separator: "\n") + "\n"
        let jsonl = #"{"text": "A sentence to calibrate on."}"# + "\n" + #"{"input_ids": [1, 5, 9, 2]}"# + "\n"
        return [("text.txt", Array(text.utf8)), ("lines.jsonl", Array(jsonl.utf8))]
    }

    /// Artifacts compiled from fixtures with recipes that need no calibration: dense f32 and
    /// f16, int8 W8A8, 2:4-sparse, low-rank.
    static func artifacts() async throws -> [Seed] {
        let compiles = [("tiny-bert", "int8-quantize"), ("tiny-gpt2", "cast{dtype=f16}"), ("tiny-llama", "magnitude-prune{sparsity=0.5}"),
                        ("tiny-t5", "svd-lowrank{rank=4,force=true}")]
        var seeds: [Seed] = []
        let directory = FuzzScratch.directory + "/seeds-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (i, (model, recipe)) in compiles.enumerated() {
            let output = directory + "/\(i).pare"
            _ = try await Compile.run(model: FuzzFixtures.path(model), output: output, options: .init(recipe: recipe))
            seeds.append(("\(model).pare", Array(try Data(contentsOf: URL(fileURLWithPath: output)))))
        }
        return seeds
    }

    /// tiny-bert compiled with int8-quantize, taken apart: the manifest target's seed and the
    /// data section it frames every input with. Set by `FuzzTarget.prepare()`.
    static var tinyBERTInt8: (manifestJSON: [UInt8], data: [UInt8]) {
        guard let parts = lock.withLock({ compiled }) else { fatalError("pare-fuzz: FuzzTarget.prepare() was not awaited before the manifest target ran") }
        return parts
    }

    private nonisolated(unsafe) static var compiled: (manifestJSON: [UInt8], data: [UInt8])?
    private static let lock = NSLock()

    /// Compiles tiny-bert once (later calls return at once).
    static func prepare() async throws {
        if lock.withLock({ compiled != nil }) { return }
        let directory = FuzzScratch.directory + "/seed-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/tiny-bert.pare"
        _ = try await Compile.run(model: FuzzFixtures.path("tiny-bert"), output: output, options: .init(recipe: "int8-quantize"))
        guard let parts = ArtifactWriter.disassemble(path: output) else { fatalError("pare-fuzz: the tiny-bert artifact does not read back") }
        lock.withLock { compiled = parts }
    }

    static func manifests() -> [Seed] { [("tiny-bert-int8.json", tinyBERTInt8.manifestJSON)] }
}
