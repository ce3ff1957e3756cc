import Foundation
import ModelIR
import SafeTensors
import TensorCore

/// Reads a PEFT LoRA adapter directory (`adapter_config.json` + `adapter_model.safetensors`) and
/// maps it onto a BERT or GPT-2 model.
///
/// PEFT saves `base_model.model.<module>.<role>`, where `<module>` is the module's name in the
/// model the adapter was trained on and `<role>` is one of `lora_A.weight` [r, in],
/// `lora_B.weight` [out, r], `lora_B.bias` [out] (`lora_bias`), `lora_magnitude_vector` [out]
/// (DoRA), `base_layer.bias` (the target's own bias, trained with `bias: all | lora_only`), or a
/// plain `weight`/`bias` (`modules_to_save`, and every other bias with `bias: all`).
///
/// Every tensor must land on exactly one IR tensor: keys that name no module, shapes that do not
/// fit, an adapter trained on another architecture, layer count or hidden size, and keys that
/// adapter_config.json does not explain are errors that list the keys, before any byte is read.
public enum PEFTAdapterImporter {
    public static let configFileName = "adapter_config.json"
    public static let weightsFileName = "adapter_model.safetensors"

    /// What an adapter changes, found from the headers.
    public struct Summary: Sendable, Equatable {
        /// Linears with a low-rank update, sorted.
        public var updated: [LayerPath]
        /// IR tensors replaced whole (`modules_to_save`, trained biases), sorted.
        public var replaced: [String]
        /// Whether the updates are DoRA (they carry magnitudes).
        public var dora: Bool
        /// Keys the adapted model does not read (`LoRAAdapter.unusedKeys`).
        public var unused: [String]
    }

    /// The adapter in `directory`, for the model `skeleton` describes, with user weight `weight`
    /// (w in W += w·s·B·A). Adapter tensors are memory-mapped.
    public static func adapter(directory: String, weight: Float = 1, for skeleton: Skeleton) throws(AdapterError) -> LoRAAdapter {
        try plan(directory: directory, weight: weight, skeleton).load()
    }

    /// The same checks as `adapter(directory:weight:for:)` from the headers only (no tensor byte
    /// is read): for `pare plan`.
    public static func check(directory: String, weight: Float = 1, for skeleton: Skeleton) throws(AdapterError) -> Summary {
        try plan(directory: directory, weight: weight, skeleton).summary
    }

    /// `DIR` or `DIR:WEIGHT` (the weight after the last colon, when it parses as a number).
    public static func parse(_ argument: String) -> (directory: String, weight: Float?) {
        guard let colon = argument.lastIndex(of: ":"),
              let weight = Float(argument[argument.index(after: colon)...]) else { return (argument, nil) }
        return (String(argument[..<colon]), weight)
    }
}
