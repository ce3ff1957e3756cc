import Foundation
import Testing
import SafeTensors
import TensorCore

/// A regression to whole-model loading fails here: `pare compile` on a deep, narrow BERT whose
/// weights (126 MB f32, 40 blocks of 3.1 MB) dwarf everything else must peak within about a
/// dozen blocks of what the same recipe costs on the 2-block tiny BERT, where the `--whole-model`
/// path (the oracle that it can be told apart) peaks above that by more than the weights.
/// Peak RSS of the child process from GNU time (`/usr/bin/time -f %M`).
@Suite(.serialized) struct LayerwiseMemoryTests {
    /// Two steps that read calibration statistics and reshape every block (the debug build's
    /// kernels are slow; int8 and elimination keep to the same per-block scheme).
    static let recipe = "head-prune{fraction=0.25},ffn-prune{fraction=0.25,reconstruction=bias}"
    static let layers = 40, hidden = 256, intermediate = 1024

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func peakMemoryDoesNotGrowWithDepth() throws {
        let p = try Self.peaks(baseline: "tiny-bert", deep: Self.writeDeepBERT)
        // About a dozen blocks' worth (3.1 MB each: the block read, its f32 copies prepared for
        // the calibration streams, the block made), not the depth.
        #expect(p.layerwise <= p.baseline + p.weights / 3, "\(p)")
        #expect(p.whole >= p.baseline + p.weights, "the whole-model path peaks at \(p.whole >> 20) MiB: the test cannot tell the paths apart")
    }

    /// The same for a decoder: a deep Llama with grouped key/value heads stored in bf16 (the
    /// dtype LLM checkpoints ship in), so each block is also widened to f32 one at a time. The
    /// whole-model path widens every block (2 × the weights) before its first statistic.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func aDecodersPeakMemoryDoesNotGrowWithDepth() throws {
        let p = try Self.peaks(baseline: "tiny-llama", deep: Self.writeDeepLlama)
        #expect(p.layerwise <= p.baseline + p.weights / 3, "\(p)")
        #expect(p.whole >= p.baseline + p.weights, "the whole-model path peaks at \(p.whole >> 20) MiB: the test cannot tell the paths apart")
    }

    /// Peak RSS (bytes) of `pare compile` with `recipe` on the fixture `baseline`, on the deep
    /// model `deep` writes (returning its weights' bytes), and on that with `--whole-model`.
    static func peaks(baseline: String, deep write: (String) throws -> Int) throws -> (baseline: Int, layerwise: Int, whole: Int, weights: Int) {
        let directory = NSTemporaryDirectory() + "pare-layerwise-memory-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let deep = directory + "/deep"
        let weights = try write(deep)
        func peak(_ model: String, _ extra: [String] = []) throws -> Int {
            let output = directory + "/out-\(UUID().uuidString).pare"
            let (status, kib, stderr) = try timed([CommandLineTests.binary, "compile", model, "--recipe", recipe,
                                                   "--samples", "4", "--max-length", "8", "-o", output] + extra, in: directory)
            #expect(status == 0, "\(stderr)")
            return kib * 1024
        }
        return (try peak(InspectTests.fixtures + "/" + baseline), try peak(deep), try peak(deep, ["--whole-model"]), weights)
    }

    /// tiny-llama's config and tokenizer (vocabulary 302) with `layers` blocks of hidden 256,
    /// 8 query heads sharing 2 key/value heads, FFN `intermediate`, seeded bf16 weights; returns
    /// the weights' bytes.
    static func writeDeepLlama(to directory: String) throws -> Int {
        let fixture = InspectTests.fixtures + "/tiny-llama"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: fixture + "/" + file, toPath: directory + "/" + file)
        }
        let heads = 8, kvHeads = 2, headDim = hidden / heads, vocabulary = 302
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture + "/config.json"))) as? [String: Any])
        config["num_hidden_layers"] = layers
        config["hidden_size"] = hidden
        config["intermediate_size"] = intermediate
        config["num_attention_heads"] = heads
        config["num_key_value_heads"] = kvHeads
        config["head_dim"] = headDim
        config["torch_dtype"] = "bfloat16"
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: URL(fileURLWithPath: directory + "/config.json"))

        var random = SplitMix64(seed: 19)
        func tensor(_ shape: [Int], constant: Float? = nil) -> Tensor {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: constant ?? 0, count: count)
            if constant == nil {
                for i in 0..<count { values[i] = 0.05 * (Float(random.next() >> 40) / Float(1 << 24) - 0.5) }
            }
            return Tensor(values, shape: Shape(shape), dtype: .bf16)
        }
        var tensors: [String: Tensor] = [
            "model.embed_tokens.weight": tensor([vocabulary, hidden]),
            "model.norm.weight": tensor([hidden], constant: 1),
            "lm_head.weight": tensor([vocabulary, hidden]),
        ]
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            for (name, rows) in [("q_proj", heads * headDim), ("k_proj", kvHeads * headDim), ("v_proj", kvHeads * headDim)] {
                tensors[p + "self_attn.\(name).weight"] = tensor([rows, hidden])
            }
            tensors[p + "self_attn.o_proj.weight"] = tensor([hidden, heads * headDim])
            tensors[p + "mlp.gate_proj.weight"] = tensor([intermediate, hidden])
            tensors[p + "mlp.up_proj.weight"] = tensor([intermediate, hidden])
            tensors[p + "mlp.down_proj.weight"] = tensor([hidden, intermediate])
            for norm in ["input_layernorm", "post_attention_layernorm"] { tensors[p + norm + ".weight"] = tensor([hidden], constant: 1) }
        }
        try SafeTensorsWriter.write(tensors, to: directory + "/model.safetensors")
        return tensors.values.reduce(0) { $0 + $1.byteCount }
    }

    /// config.json, tokenizer files (tiny-bert's: vocabulary 200) and seeded weights of a BERT
    /// with `layers` × (`hidden`, `intermediate`); returns the weights' bytes.
    static func writeDeepBERT(to directory: String) throws -> Int {
        let fixture = InspectTests.fixtures + "/tiny-bert"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in ["tokenizer.json", "tokenizer_config.json", "vocab.txt"] {
            try FileManager.default.copyItem(atPath: fixture + "/" + file, toPath: directory + "/" + file)
        }
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture + "/config.json"))) as? [String: Any])
        config["num_hidden_layers"] = layers
        config["hidden_size"] = hidden
        config["intermediate_size"] = intermediate
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: URL(fileURLWithPath: directory + "/config.json"))

        var random = SplitMix64(seed: 17)
        func tensor(_ shape: [Int], scale: Float = 0.05, constant: Float? = nil) -> Tensor {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: constant ?? 0, count: count)
            if constant == nil {
                for i in 0..<count { values[i] = scale * (Float(random.next() >> 40) / Float(1 << 24) - 0.5) }
            }
            return Tensor(values, shape: Shape(shape))
        }
        var tensors: [String: Tensor] = [
            "embeddings.word_embeddings.weight": tensor([200, hidden]),
            "embeddings.position_embeddings.weight": tensor([64, hidden]),
            "embeddings.token_type_embeddings.weight": tensor([2, hidden]),
            "embeddings.LayerNorm.weight": tensor([hidden], constant: 1),
            "embeddings.LayerNorm.bias": tensor([hidden], constant: 0),
            "pooler.dense.weight": tensor([hidden, hidden]),
            "pooler.dense.bias": tensor([hidden], constant: 0),
        ]
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                tensors[p + name + ".weight"] = tensor([hidden, hidden])
                tensors[p + name + ".bias"] = tensor([hidden])
            }
            tensors[p + "intermediate.dense.weight"] = tensor([intermediate, hidden])
            tensors[p + "intermediate.dense.bias"] = tensor([intermediate])
            tensors[p + "output.dense.weight"] = tensor([hidden, intermediate])
            tensors[p + "output.dense.bias"] = tensor([hidden])
            for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
                tensors[p + norm + ".weight"] = tensor([hidden], constant: 1)
                tensors[p + norm + ".bias"] = tensor([hidden], constant: 0)
            }
        }
        try SafeTensorsWriter.write(tensors, to: directory + "/model.safetensors")
        return tensors.values.reduce(0) { $0 + $1.byteCount }
    }

    /// Runs a command under GNU time (a small reaper, so the figure is the command's own peak,
    /// not the test process's high-water mark inherited across exec): status, peak KiB, stderr.
    static func timed(_ command: [String], in directory: String) throws -> (status: Int32, kib: Int, stderr: String) {
        let report = directory + "/time-\(UUID().uuidString)", errors = report + ".err"
        FileManager.default.createFile(atPath: errors, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%M", "-o", report] + command
        process.standardOutput = FileHandle.nullDevice
        let handle = try #require(FileHandle(forWritingAtPath: errors))
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let kib = try #require(String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").last.flatMap { Int($0) })
        return (process.terminationStatus, kib, try String(contentsOfFile: errors, encoding: .utf8))
    }
}
