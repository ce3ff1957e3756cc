import Foundation
import Testing
import ModelIR
import SafeTensors
import TensorCore
@testable import ModelImport

/// Bad checkpoints: each gives one exact, actionable error and never a crash.
@Suite struct ImportErrorTests {
    let directory = Fixtures.temporaryDirectory()

    /// A copy of the tiny-bert fixture whose weights are `edit`ed and whose config.json is `configEdit`ed.
    func brokenCopy(edit: (inout [String: Tensor]) -> Void = { _ in },
                    configEdit: (inout String) -> Void = { _ in }) throws -> String {
        let source = Fixtures.model("tiny-bert")
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
        let dir = try brokenCopy(configEdit: { $0 = $0.replacingOccurrences(of: "\"bert\"", with: "\"llama\"") })
        #expect(throws: ImportError.unsupportedModelType(path: dir + "/config.json", modelType: "llama")) {
            try ModelImporter.skeleton(directory: dir)
        }
        #expect(ImportError.unsupportedModelType(path: "m/config.json", modelType: "llama").description
                == "m/config.json: model_type 'llama' is not supported; Pare imports bert, gpt2")
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
}
