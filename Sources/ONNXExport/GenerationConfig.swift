import Foundation

/// `generation_config.json` for a causal LM's export, as transformers'
/// `GenerationConfig.from_model_config` derives it: the special token ids of the source
/// `config.json` that generation reads (`bos_token_id`, `eos_token_id`, `pad_token_id`,
/// `decoder_start_token_id`; an id or a list of ids), and `_from_model_config`. Keys sorted, so
/// the same config gives the same bytes.
enum GenerationConfig {
    static let fileName = "generation_config.json"
    static let tokenKeys = ["bos_token_id", "decoder_start_token_id", "eos_token_id", "pad_token_id"]

    /// The file's text; nil when the source config is not a JSON object.
    static func json(sourceConfig: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(sourceConfig.utf8)) as? [String: Any] else { return nil }
        var out: [String: Any] = ["_from_model_config": true]
        for key in tokenKeys {
            if let value = object[key], !(value is NSNull) { out[key] = value }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: out, options: [.sortedKeys, .prettyPrinted]) else { return nil }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
