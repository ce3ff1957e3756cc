import Foundation
import ModelIR
import SafeTensors
import TensorCore

extension PEFTAdapterImporter {
    static let keyPrefix = "base_model.model."

    /// The part of a key after the module name.
    enum Role: String, CaseIterable {
        // LoRA roles first: `x.lora_B.bias` also ends with `.bias`.
        case loraA = "lora_A.weight"
        case loraB = "lora_B.weight"
        case loraBias = "lora_B.bias"
        case magnitude = "lora_magnitude_vector"
        case baseBias = "base_layer.bias"
        case embeddingA = "lora_embedding_A"
        case embeddingB = "lora_embedding_B"
        case weight
        case bias
    }

    /// Every adapter key with its place in the IR, validated against a skeleton; no tensor byte read.
    struct Plan {
        struct Update {
            let path: LayerPath
            let a: String, b: String, bias: String?, magnitude: String?
            let scaling: Float
            /// Rows of B, m and b_B for this linear (a part of GPT-2's fused c_attn).
            let rows: Range<Int>?
            var keys: [String] { ([a, b] + [bias, magnitude].compactMap { $0 }).sorted() }
        }

        /// How a saved tensor becomes the IR tensor.
        enum Layout {
            case asIs
            /// Conv1D weight [in, out] → [out, in].
            case transposed
            /// Conv1D weight [in, 3d] → [3d, in], then these rows.
            case transposedRows(Range<Int>)
            /// These elements of a vector.
            case elements(Range<Int>)
        }

        struct Replacement {
            let tensor: String
            let key: String
            let layout: Layout
        }

        let directory: String
        let weight: Float
        let file: SafeTensorsFile
        let base: ModelConfig
        var updates: [Update] = []
        var replacements: [Replacement] = []
        var unused: [String] = []

        var summary: Summary {
            Summary(updated: updates.map(\.path).sorted(), replaced: replacements.map(\.tensor).sorted(),
                    dora: updates.contains { $0.magnitude != nil }, unused: unused)
        }

        func load() throws(AdapterError) -> LoRAAdapter {
            func tensor(_ key: String) throws(AdapterError) -> Tensor {
                do { return try file.tensor(key) } catch { throw .checkpoint(error) }
            }
            var loaded: [LoRAAdapter.Update] = []
            for u in updates {
                var b = try tensor(u.b)
                var bias: Tensor? = nil, magnitude: Tensor? = nil
                if let key = u.bias { bias = try tensor(key) }
                if let key = u.magnitude { magnitude = try tensor(key) }
                if let rows = u.rows {
                    b = b.rows(rows)
                    bias = bias?.elements(rows)
                    magnitude = magnitude?.elements(rows)
                }
                loaded.append(LoRAAdapter.Update(path: u.path, a: try tensor(u.a), b: b, scaling: u.scaling, bias: bias,
                                                 magnitude: magnitude, keys: u.keys))
            }
            var replaced: [LoRAAdapter.Replacement] = []
            for r in replacements {
                let t = try tensor(r.key)
                let value: Tensor
                switch r.layout {
                case .asIs: value = t
                case .transposed: value = t.transposed()
                case let .transposedRows(rows): value = t.transposed().rows(rows)
                case let .elements(range): value = t.elements(range)
                }
                replaced.append(LoRAAdapter.Replacement(tensor: r.tensor, value: value, key: r.key))
            }
            let name = (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) as NSString
            return LoRAAdapter(name: name.lastPathComponent, base: base, weight: weight, updates: loaded, replacements: replaced,
                               unusedKeys: unused)
        }
    }

    /// `<module>.<role>` → (module, role).
    static func split(_ name: String) -> (module: String, role: Role)? {
        for role in Role.allCases where name.hasSuffix("." + role.rawValue) {
            let module = String(name.dropLast(role.rawValue.count + 1))
            return module.isEmpty ? nil : (module, role)
        }
        return nil
    }

    /// The architecture of a transformers class name (`BertForSequenceClassification` → bert).
    static func architecture(ofClass name: String) -> Architecture? {
        if name.hasPrefix("Bert") { return .bert }
        if name.hasPrefix("GPT2") { return .gpt2 }
        return nil
    }

    static func plan(directory: String, weight: Float, _ skeleton: Skeleton) throws(AdapterError) -> Plan {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .notADirectory(path: directory)
        }
        func join(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        let config = try Config(path: join(configFileName))
        let weightsPath = join(weightsFileName)
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            let pickle = FileManager.default.fileExists(atPath: join("adapter_model.bin"))
            throw .missingFile(path: weightsPath, hint: pickle
                ? "only adapter_model.bin (pickle) is present; re-save the adapter with save_pretrained(safe_serialization=True)"
                : "save the adapter with peft's save_pretrained")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: weightsPath) } catch { throw .checkpoint(error) }
        guard !file.entries.isEmpty else { throw .configInvalid(path: weightsPath, reason: "holds no tensor") }
        guard weight.isFinite else {
            throw .unsupportedSetting(path: directory, key: "weight", value: "\(weight)", supported: "a finite number")
        }
        var builder = PlanBuilder(directory: directory, config: config, skeleton: skeleton, file: file)
        return try builder.build(weight: weight)
    }
}
