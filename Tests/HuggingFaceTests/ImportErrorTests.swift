import Foundation
import Testing
import ModelIR
import SafeTensors
import TensorCore
@testable import HuggingFace

/// Bad checkpoints: each gives one exact, actionable error and never a crash.
@Suite struct ImportErrorTests {
    let directory = Fixtures.temporaryDirectory()

    /// A copy of the tiny-bert fixture whose weights are `edit`ed and whose config.json is `configEdit`ed.
    func brokenCopy(of fixture: String = "tiny-bert", edit: (inout [String: Tensor]) -> Void = { _ in },
                    configEdit: (inout String) -> Void = { _ in }) throws -> String {
        let source = Fixtures.model(fixture)
        let checkpoint = try Checkpoint(directory: source)
        var tensors: [String: Tensor] = [:]
        for name in checkpoint.names { tensors[name] = try checkpoint.tensor(name) }
        edit(&tensors)
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory + "/model.safetensors")
        var config = try String(contentsOfFile: source + "/config.json", encoding: .utf8)
        configEdit(&config)
        try config.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        return directory
    }

    @Test func unsupportedModelType() throws {
        let dir = try brokenCopy(configEdit: { $0 = $0.replacingOccurrences(of: "\"bert\"", with: "\"falcon\"") })
        #expect(throws: ImportError.unsupportedModelType(path: dir + "/config.json", modelType: "falcon")) {
            try ModelImporter.skeleton(directory: dir)
        }
        #expect(ImportError.unsupportedModelType(path: "m/config.json", modelType: "falcon").description
                == "m/config.json: model_type 'falcon' is not supported; Pare imports bert, gpt2, llama, mistral, qwen2, t5")
    }

    @Test func missingRequiredTensor() throws {
        let dir = try brokenCopy(edit: { $0["encoder.layer.1.output.dense.weight"] = nil })
        #expect(throws: ImportError.missingTensor(name: "encoder.layer.1.output.dense.weight",
                                                  expected: "shape [32, 37]", directory: dir)) {
            try ModelImporter.skeleton(directory: dir)
        }
    }

    @Test func tensorWithTheWrongShape() throws {
        let dir = try brokenCopy(edit: { t in
            t["encoder.layer.0.intermediate.dense.weight"] = Tensor([Float](repeating: 0, count: 37 * 32), shape: [32, 37])
        })
        #expect(throws: ImportError.wrongShape(name: "encoder.layer.0.intermediate.dense.weight",
                                               found: [32, 37], expected: [37, 32])) {
            try ModelImporter.model(directory: dir)
        }
    }

    @Test func configDisagreeingWithWeights() throws {
        let dir = try brokenCopy(configEdit: { $0 = $0.replacingOccurrences(of: "\"num_hidden_layers\": 2", with: "\"num_hidden_layers\": 3") })
        #expect(throws: ImportError.missingTensor(name: "encoder.layer.2.attention.self.query.weight",
                                                  expected: "shape [32, 32]", directory: dir)) {
            try ModelImporter.skeleton(directory: dir)
        }
    }

    @Test func unusedTensorsAreNeverSilentlyDropped() throws {
        let dir = try brokenCopy(edit: { t in
            t["cls.predictions.bias"] = Tensor([Float](repeating: 0, count: 200), shape: [200])
            t["encoder.layer.5.extra"] = Tensor([1], shape: [1])
        })
        #expect(throws: ImportError.unusedTensors(names: ["cls.predictions.bias", "encoder.layer.5.extra"], directory: dir)) {
            try ModelImporter.skeleton(directory: dir)
        }
    }

    @Test func integerWeightIsRefused() throws {
        let dir = try brokenCopy(edit: { t in
            t["pooler.dense.bias"] = Tensor(dtype: .i32, shape: [32], bytes: [UInt8](repeating: 0, count: 128))
        })
        #expect(throws: ImportError.notFloatingPoint(name: "pooler.dense.bias", dtype: .i32)) {
            try ModelImporter.skeleton(directory: dir)
        }
    }

    @Test func missingConfigAndNotADirectory() throws {
        #expect(throws: ImportError.configMissing(path: directory)) { try ModelImporter.skeleton(directory: directory) }
        let file = Fixtures.model("tiny-bert") + "/config.json"
        #expect(throws: ImportError.notADirectory(path: file)) { try ModelImporter.skeleton(directory: file) }
    }

    @Test func malformedConfig() throws {
        let dir = try brokenCopy(configEdit: { $0 = "{ not json" })
        #expect(throws: ImportError.configInvalid(path: dir + "/config.json", reason: "not valid JSON")) {
            try ModelImporter.skeleton(directory: dir)
        }
        let noHidden = try brokenCopy(configEdit: { $0 = $0.replacingOccurrences(of: "\"hidden_size\"", with: "\"hidden\"") })
        #expect(throws: ImportError.configInvalid(path: noHidden + "/config.json", reason: "missing 'hidden_size'")) {
            try ModelImporter.skeleton(directory: noHidden)
        }
    }

    @Test func shardIndexNamingAMissingFile() throws {
        let source = Fixtures.model("tiny-bert-sharded")
        for file in try FileManager.default.contentsOfDirectory(atPath: source)
        where file != "model-00002-of-00003.safetensors" {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: directory + "/" + file)
        }
        #expect(throws: ImportError.checkpoint(.missingShard(index: directory + "/model.safetensors.index.json",
                                                             shard: "model-00002-of-00003.safetensors"))) {
            try ModelImporter.skeleton(directory: directory)
        }
    }

    /// Llama-family settings Pare does not model are refused by key, with what it supports.
    @Test func llamaSettingsOutsideTheModelAreRefusedByName() throws {
        func error(_ from: String, _ to: String, fixture: String = "tiny-llama") throws -> String? {
            let dir = try brokenCopy(of: fixture, configEdit: { $0 = $0.replacingOccurrences(of: from, with: to) })
            do { _ = try ModelImporter.skeleton(directory: dir); return nil } catch {
                return error.description.replacingOccurrences(of: dir, with: "m")
            }
        }
        #expect(try error("\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\"")
            == "m/config.json: rope_scaling.rope_type = yarn is not supported; use default, linear or llama3 (frequencies that do not depend on the sequence length)")
        #expect(try error("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3")
            == "m/config.json: 4 attention heads cannot share 3 key/value heads evenly; fix config.json or re-export the checkpoint with transformers")
        // Which layers slide: layer_types when present (as transformers 4.57 writes it); a mix is refused.
        #expect(try error("\"full_attention\",\n    \"full_attention\"", "\"full_attention\",\n    \"sliding_attention\"", fixture: "tiny-qwen2")
            == "m/config.json: layer_types = a mix of sliding and full attention is not supported; use one kind for every layer (for Qwen2: use_sliding_window false, or max_window_layers 0)")
        #expect(try error("\"full_attention\",\n    \"full_attention\"", "\"sliding_attention\",\n    \"sliding_attention\"", fixture: "tiny-qwen2")
            == "m/config.json: sliding attention needs a positive 'sliding_window'; fix config.json or re-export the checkpoint with transformers")
        let windowed = try brokenCopy(of: "tiny-qwen2", configEdit: {
            $0 = $0.replacingOccurrences(of: "\"full_attention\"", with: "\"sliding_attention\"")
                .replacingOccurrences(of: "\"sliding_window\": null", with: "\"sliding_window\": 16")
        })
        #expect(try ModelImporter.config(directory: windowed).slidingWindow == 16)
        #expect(try ModelImporter.config(directory: Fixtures.model("tiny-mistral")).slidingWindow == 8)
        #expect(try ModelImporter.config(directory: Fixtures.model("tiny-llama")).slidingWindow == nil)
    }
}
