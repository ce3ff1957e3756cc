import SafeTensors
import TensorCore

/// Why a PEFT adapter could not be mapped onto a model. Every case that concerns adapter tensors
/// lists their keys: nothing is merged until every tensor has exactly one place in the model.
public enum AdapterError: Error, Equatable, Sendable, CustomStringConvertible {
    case notADirectory(path: String)
    case missingFile(path: String, hint: String)
    case configInvalid(path: String, reason: String)
    case unsupportedSetting(path: String, key: String, value: String, supported: String)
    /// Keys of a kind Pare cannot merge (LoRA on embeddings, on a LayerNorm, on a tied LM head).
    case unsupportedKeys(directory: String, what: String, keys: [String])
    /// Trained on another architecture, layer count or hidden size.
    case anotherBaseModel(directory: String, reason: String, keys: [String])
    /// Keys that name no module of the model, or that adapter_config.json does not explain.
    case unknownKeys(directory: String, architecture: String, keys: [String])
    /// lora_A without lora_B, a DoRA adapter without magnitudes, two keys for one tensor, ...
    case inconsistent(directory: String, reason: String, keys: [String])
    case wrongShapes(directory: String, [ShapeMismatch])
    case notFloatingPoint(key: String, dtype: DType)
    case checkpoint(SafeTensorsError)

    /// One adapter tensor whose shape does not fit its module.
    public struct ShapeMismatch: Equatable, Sendable, CustomStringConvertible {
        public var key: String
        public var found: Shape
        public var expected: Shape

        public init(key: String, found: Shape, expected: Shape) {
            self.key = key
            self.found = found
            self.expected = expected
        }

        public var description: String { "'\(key)' is \(found), expected \(expected)" }
    }

    public var description: String {
        switch self {
        case let .notADirectory(path):
            return "\(path): not an adapter directory; pass a PEFT adapter folder (adapter_config.json + adapter_model.safetensors)"
        case let .missingFile(path, hint):
            return "\(path): missing; \(hint)"
        case let .configInvalid(path, reason):
            return "\(path): \(reason); re-save the adapter with peft's save_pretrained"
        case let .unsupportedSetting(path, key, value, supported):
            return "\(path): \(key) = \(value) is not supported; use \(supported)"
        case let .unsupportedKeys(directory, what, keys):
            return "\(directory): \(what) cannot be merged: \(AdapterError.list(keys)); train the adapter without them"
        case let .anotherBaseModel(directory, reason, keys):
            return "\(directory): the adapter was trained for another base model (\(reason)): \(AdapterError.list(keys)); "
                + "pass the model the adapter was trained on"
        case let .unknownKeys(directory, architecture, keys):
            return "\(directory): \(keys.count) adapter tensor(s) match no module of the \(architecture) model: "
                + "\(AdapterError.list(keys)); Pare merges lora_A/lora_B, DoRA magnitudes, trained biases and "
                + "modules_to_save and does not silently drop the rest"
        case let .inconsistent(directory, reason, keys):
            return "\(directory): \(reason): \(AdapterError.list(keys)); re-save the adapter with peft's save_pretrained"
        case let .wrongShapes(directory, mismatches):
            let shown = mismatches.prefix(8).map(\.description).joined(separator: ", ")
            let more = mismatches.count > 8 ? " and \(mismatches.count - 8) more" : ""
            return "\(directory): \(mismatches.count) adapter tensor(s) do not fit the model: \(shown)\(more); "
                + "check that r and rank_pattern in adapter_config.json match the weights and that the adapter belongs to this model"
        case let .notFloatingPoint(key, dtype):
            return "adapter tensor '\(key)': dtype \(dtype.rawValue), expected a floating-point weight; re-save the adapter in f32, f16 or bf16"
        case let .checkpoint(error):
            return error.description
        }
    }

    /// `'a', 'b' and 3 more`
    static func list(_ keys: [String]) -> String {
        let shown = keys.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
        return keys.count > 8 ? "\(shown) and \(keys.count - 8) more" : shown
    }
}
