import Foundation
import Testing
import ModelIR
import SafeTensors
import TensorCore
@testable import HuggingFace

/// Bad or mismatched adapters: each gives one exact error listing the offending keys, from the
/// headers, before any weight is merged.
@Suite struct PEFTAdapterErrorTests {
    let directory = Fixtures.temporaryDirectory()
    static let prefix = "base_model.model.encoder.layer.0.attention.self.query"

    func skeleton(_ base: String = "tiny-bert") throws -> Skeleton {
        try ModelImporter.skeleton(directory: Fixtures.model(base)).graph
    }

    /// A copy of the adapter fixture `name` with its tensors and adapter_config.json edited.
    func copy(_ name: String = "bert-lora", tensors edit: (inout [String: Tensor]) -> Void = { _ in },
              config editConfig: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let source = Fixtures.root + "/lora/" + name
        let file = try SafeTensorsFile(path: source + "/adapter_model.safetensors")
        var tensors: [String: Tensor] = [:]
        for entry in file.entries { tensors[entry.name] = try file.tensor(entry.name) }
        edit(&tensors)
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory + "/adapter_model.safetensors")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "/adapter_config.json"))) as! [String: Any]
        editConfig(&config)
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: URL(fileURLWithPath: directory + "/adapter_config.json"))
        return directory
    }

    func error(_ directory: String, weight: Float = 1, base: String = "tiny-bert") throws -> AdapterError? {
        let skeleton = try skeleton(base)
        var headerError: AdapterError?
        do { _ = try PEFTAdapterImporter.check(directory: directory, weight: weight, for: skeleton) } catch { headerError = error }
        do {
            _ = try PEFTAdapterImporter.adapter(directory: directory, weight: weight, for: skeleton)
            return nil
        } catch {
            #expect(headerError == error, "the header-only check and the load disagree")
            return error
        }
    }

    static func zeros(_ dims: Int...) -> Tensor { Tensor([Float](repeating: 0, count: dims.reduce(1, *)), shape: Shape(dims)) }

    @Test func missingFiles() throws {
        #expect(try error(directory + "/nowhere") == .notADirectory(path: directory + "/nowhere"))
        #expect(try error(directory) == .missingFile(path: directory + "/adapter_config.json",
                                                     hint: "a PEFT adapter folder holds adapter_config.json and adapter_model.safetensors"))
        try Data("{\"peft_type\": \"LORA\", \"r\": 4}".utf8).write(to: URL(fileURLWithPath: directory + "/adapter_config.json"))
        try Data().write(to: URL(fileURLWithPath: directory + "/adapter_model.bin"))
        #expect(try error(directory)?.description == "\(directory)/adapter_model.safetensors: missing; only adapter_model.bin (pickle) is present; "
                + "re-save the adapter with save_pretrained(safe_serialization=True)")
    }

    @Test func unsupportedSettings() throws {
        let ia3 = try copy(config: { $0["peft_type"] = "IA3" })
        #expect(try error(ia3)?.description == "\(ia3)/adapter_config.json: peft_type = IA3 is not supported; use LORA")
        let pissa = try copy(config: { $0["init_lora_weights"] = "pissa_niter_4" })
        #expect(try error(pissa) == .unsupportedSetting(
            path: pissa + "/adapter_config.json", key: "init_lora_weights", value: "pissa_niter_4",
            supported: "an adapter converted to plain LoRA (save_pretrained with path_initial_model_for_weight_conversion)"))
        let alora = try copy(config: { $0["alora_invocation_tokens"] = [1, 2] })
        #expect(try error(alora) == .unsupportedSetting(path: alora + "/adapter_config.json", key: "alora_invocation_tokens",
                                                        value: "set", supported: "null (plain LoRA, rsLoRA or DoRA)"))
        let bad = try copy(config: { $0["r"] = 0 })
        #expect(try error(bad)?.description == "\(bad)/adapter_config.json: 'r' must be a positive integer; re-save the adapter with peft's save_pretrained")
        // JSON 1 is a number, not true (on Linux, JSONSerialization's 1 also casts to Bool).
        let flag = try copy(config: { $0["use_dora"] = 1 })
        #expect(try error(flag) == .configInvalid(path: flag + "/adapter_config.json", reason: "'use_dora' must be true or false"))
        let one = try copy(config: { $0["r"] = 1; $0["lora_alpha"] = 1 })
        guard case let .wrongShapes(_, mismatches) = try #require(try error(one)) else { Issue.record("r = 1 was not read as a rank"); return }
        #expect(mismatches.count == 12 && mismatches[0].expected == [1, 32])
    }

    @Test func anAdapterForAnotherArchitectureIsNamedAsSuch() throws {
        let gpt2 = Fixtures.root + "/lora/gpt2-lora"
        let e = try #require(try error(gpt2))
        guard case let .anotherBaseModel(_, reason, keys) = e else { Issue.record("\(e)"); return }
        #expect(reason == "trained on GPT2LMHeadModel, a gpt2 model; the model is bert")
        #expect(keys.count == 21)
        // Without auto_mapping the module names give it away.
        let unnamed = try copy("gpt2-lora", config: { $0["auto_mapping"] = nil })
        #expect(try error(unnamed)?.description.hasPrefix(
            "\(unnamed): the adapter was trained for another base model (its modules are named as in a gpt2 model; the model is bert): "
                + "'base_model.model.transformer.h.0.attn.c_attn.base_layer.bias', ") == true)
    }

    @Test func anAdapterForMoreLayersIsRefused() throws {
        let deeper = try copy { t in
            t["base_model.model.encoder.layer.5.attention.self.query.lora_A.weight"] = Self.zeros(4, 32)
            t["base_model.model.encoder.layer.5.attention.self.query.lora_B.weight"] = Self.zeros(32, 4)
        }
        #expect(try error(deeper) == .anotherBaseModel(
            directory: deeper, reason: "it adapts layer 5; the model has 2 layers",
            keys: ["base_model.model.encoder.layer.5.attention.self.query.lora_A.weight",
                   "base_model.model.encoder.layer.5.attention.self.query.lora_B.weight"]))
    }

    @Test func anAdapterForAnotherHiddenSizeIsRefused() throws {
        let wider = try copy { t in
            t[Self.prefix + ".lora_A.weight"] = Self.zeros(4, 64)
            t[Self.prefix + ".lora_B.weight"] = Self.zeros(64, 4)
        }
        #expect(try error(wider)?.description == "\(wider): the adapter was trained for another base model (64 input features where the model has 32): "
                + "'\(Self.prefix).lora_A.weight', '\(Self.prefix).lora_B.weight'; pass the model the adapter was trained on")
    }

    @Test func unknownKeysAreListed() throws {
        let odd = try copy { t in
            t["base_model.model.encoder.layer.0.attention.self.query.lora_C.weight"] = Self.zeros(4)
            t["encoder.layer.0.attention.self.query.lora_A.weight"] = Self.zeros(4, 32)
            // bias "none": PEFT would not have saved a trained bias.
            t["base_model.model.encoder.layer.0.output.dense.bias"] = Self.zeros(32)
        }
        #expect(try error(odd)?.description == "\(odd): 3 adapter tensor(s) match no module of the bert model: "
                + "'base_model.model.encoder.layer.0.attention.self.query.lora_C.weight', 'base_model.model.encoder.layer.0.output.dense.bias', "
                + "'encoder.layer.0.attention.self.query.lora_A.weight'; Pare merges lora_A/lora_B, DoRA magnitudes, trained biases and "
                + "modules_to_save and does not silently drop the rest")
        // A classifier head on a model that has none.
        let head = try copy("bert-cls-save")
        #expect(try error(head) == .unknownKeys(directory: head, architecture: "bert",
                                                keys: ["base_model.model.classifier.bias", "base_model.model.classifier.weight"]))
    }

    @Test func ranksThatDisagreeWithTheConfigAreShapeErrors() throws {
        let odd = try copy { t in t[Self.prefix + ".lora_A.weight"] = Self.zeros(3, 32) }
        #expect(try error(odd) == .wrongShapes(directory: odd, [
            .init(key: Self.prefix + ".lora_A.weight", found: [3, 32], expected: [4, 32]),
        ]))
        #expect(try error(odd)?.description == "\(odd): 1 adapter tensor(s) do not fit the model: '\(Self.prefix).lora_A.weight' is [3, 32], expected [4, 32]; "
                + "check that r and rank_pattern in adapter_config.json match the weights and that the adapter belongs to this model")
    }

    @Test func inconsistentAdapters() throws {
        let unpaired = try copy { t in t[Self.prefix + ".lora_B.weight"] = nil }
        #expect(try error(unpaired) == .inconsistent(directory: unpaired, reason: "lora_A and lora_B must come in pairs",
                                                     keys: [Self.prefix + ".lora_A.weight"]))
        let dora = try copy(config: { $0["use_dora"] = true })
        guard case let .inconsistent(_, reason, keys) = try #require(try error(dora)) else { Issue.record("not inconsistent"); return }
        #expect(reason == "use_dora is true in adapter_config.json but lora_magnitude_vector is missing" && keys.count == 12)
        let twice = try copy { t in
            t["base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight"] = Self.zeros(4, 32)
            t["base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight"] = Self.zeros(32, 4)
        }
        #expect(try error(twice) == .inconsistent(directory: twice, reason: "several modules land on the same IR tensor", keys: [
            "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight",
            "base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight",
            Self.prefix + ".lora_A.weight", Self.prefix + ".lora_B.weight",
        ]))
    }

    @Test func keysPareCannotMerge() throws {
        let embedding = try copy { t in
            t["base_model.model.embeddings.word_embeddings.lora_embedding_A"] = Self.zeros(4, 200)
            t["base_model.model.embeddings.word_embeddings.lora_embedding_B"] = Self.zeros(32, 4)
        }
        #expect(try error(embedding)?.description == "\(embedding): LoRA on embeddings (lora_embedding_A/B) cannot be merged: "
                + "'base_model.model.embeddings.word_embeddings.lora_embedding_A', 'base_model.model.embeddings.word_embeddings.lora_embedding_B'; "
                + "train the adapter without them")
        let tied = try copy("gpt2-dora") { t in
            t["base_model.model.lm_head.lora_A.weight"] = Self.zeros(4, 32)
            t["base_model.model.lm_head.lora_B.weight"] = Self.zeros(300, 4)
            t["base_model.model.lm_head.lora_magnitude_vector"] = Self.zeros(300)
        }
        #expect(try error(tied, base: "tiny-gpt2") == .unsupportedKeys(
            directory: tied, what: "adapting the LM head tied to the word embeddings",
            keys: ["base_model.model.lm_head.lora_A.weight", "base_model.model.lm_head.lora_B.weight", "base_model.model.lm_head.lora_magnitude_vector"]))
    }

    @Test func integerTensorsAreRefused() throws {
        let ints = try copy { t in t[Self.prefix + ".lora_A.weight"] = Tensor(dtype: .i32, shape: [4, 32], bytes: [UInt8](repeating: 0, count: 512)) }
        #expect(try error(ints) == .notFloatingPoint(key: Self.prefix + ".lora_A.weight", dtype: .i32))
    }

    @Test func aWeightHasNoMeaningForWholeTensors() throws {
        let cls = Fixtures.root + "/lora/bert-cls-save"
        #expect(try error(cls, weight: 0.5, base: "tiny-bert-cls") == .unsupportedSetting(
            path: cls, key: "weight", value: "0.5", supported: "1 for an adapter that replaces whole tensors (modules_to_save, bias: all or lora_only)"))
        #expect(try error(Fixtures.root + "/lora/bert-lora", weight: 0.5) == nil)
    }
}
