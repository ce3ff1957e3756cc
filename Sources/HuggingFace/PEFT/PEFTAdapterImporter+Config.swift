import Foundation
import JSON
import ModelIR

extension PEFTAdapterImporter {
    /// The settings of `adapter_config.json` that decide how a LoRA adapter merges.
    struct Config {
        let path: String
        /// r, the default rank.
        let rank: Int
        /// α, the default alpha.
        let alpha: Double
        /// Module-name regex → rank / alpha, in PEFT's matching order (the first key that
        /// matches `(.*\.)?(key)$` wins). peft writes adapter_config.json with sorted keys, so file
        /// order is sorted order.
        let rankPattern: [(key: String, value: Int)]
        let alphaPattern: [(key: String, value: Double)]
        let useRSLoRA: Bool
        let useDoRA: Bool
        /// `none`, `all` or `lora_only`: which base biases were trained and saved.
        let bias: String
        /// Suffixes of module names trained and saved whole.
        let modulesToSave: [String]
        /// `auto_mapping.base_model_class`, e.g. `BertModel`, when saved.
        let baseModelClass: String?

        init(path: String) throws(AdapterError) {
            self.path = path
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .missingFile(path: path, hint: "a PEFT adapter folder holds adapter_config.json and adapter_model.safetensors")
            }
            guard let parsed = try? JSONParser.parse(data), let json = parsed.dictionary else {
                throw .configInvalid(path: path, reason: "not a JSON object")
            }
            func has(_ key: String) -> Bool { json[key] != nil && json[key] != .null }
            func string(_ key: String) -> String? { json[key]?.stringValue }
            func bool(_ key: String) throws(AdapterError) -> Bool {
                guard has(key) else { return false }
                guard let value = json[key]?.boolValue else {
                    throw .configInvalid(path: path, reason: "'\(key)' must be true or false")
                }
                return value
            }
            func number(_ value: JSONValue?, _ key: String) throws(AdapterError) -> Double {
                guard let n = value?.doubleValue, n.isFinite else {
                    throw .configInvalid(path: path, reason: "'\(key)' must be a number")
                }
                return n
            }
            func positiveInt(_ value: JSONValue?, _ key: String) throws(AdapterError) -> Int {
                let x = try number(value, key)
                guard let i = Int(exactly: x), i > 0 else {
                    throw .configInvalid(path: path, reason: "'\(key)' must be a positive integer")
                }
                return i
            }

            let peftType = string("peft_type") ?? "?"
            guard peftType == "LORA" else {
                throw .unsupportedSetting(path: path, key: "peft_type", value: peftType, supported: "LORA")
            }
            rank = try positiveInt(json["r"], "r")
            alpha = try has("lora_alpha") ? number(json["lora_alpha"], "lora_alpha") : 8
            useRSLoRA = try bool("use_rslora")
            useDoRA = try bool("use_dora")
            bias = string("bias") ?? "none"
            guard ["none", "all", "lora_only"].contains(bias) else {
                throw .unsupportedSetting(path: path, key: "bias", value: bias, supported: "none, all or lora_only")
            }
            var ranks: [(String, Int)] = []
            for (key, value) in (json["rank_pattern"]?.dictionary ?? [:]).sorted(by: { $0.key < $1.key }) {
                ranks.append((key, try positiveInt(value, "rank_pattern.\(key)")))
            }
            var alphas: [(String, Double)] = []
            for (key, value) in (json["alpha_pattern"]?.dictionary ?? [:]).sorted(by: { $0.key < $1.key }) {
                alphas.append((key, try number(value, "alpha_pattern.\(key)")))
            }
            rankPattern = ranks
            alphaPattern = alphas
            for key in ranks.map(\.0) + alphas.map(\.0) where (try? NSRegularExpression(pattern: key)) == nil {
                throw .configInvalid(path: path, reason: "pattern '\(key)' is not a valid regular expression")
            }
            if let single = json["modules_to_save"]?.stringValue {
                modulesToSave = [single]
            } else {
                let list = json["modules_to_save"]?.arrayValue ?? []
                modulesToSave = list.allSatisfy { $0.stringValue != nil } ? list.compactMap(\.stringValue) : []
            }
            baseModelClass = json["auto_mapping"]?["base_model_class"]?.stringValue

            // Variants whose forward is not W + s·B·A (or DoRA's), and initialisations that
            // changed the base weights themselves: merging them onto the original base is wrong.
            for key in ["use_qalora"] {
                if try bool(key) {
                    throw .unsupportedSetting(path: path, key: key, value: "true", supported: "false (plain LoRA, rsLoRA or DoRA)")
                }
            }
            for key in ["use_bdlora", "alora_invocation_tokens", "velora_config", "monteclora_config", "arrow_config", "kasa_config",
                        "layer_replication", "target_parameters", "trainable_token_indices"] where has(key) {
                if let list = json[key]?.arrayValue, list.isEmpty { continue }
                if let object = json[key]?.members, object.isEmpty { continue }
                throw .unsupportedSetting(path: path, key: key, value: "set", supported: "null (plain LoRA, rsLoRA or DoRA)")
            }
            if let initialisation = string("init_lora_weights"),
               ["pissa", "corda", "olora", "loftq", "lora_ga", "mica"].contains(where: { initialisation.lowercased().hasPrefix($0) }) {
                throw .unsupportedSetting(
                    path: path, key: "init_lora_weights", value: initialisation,
                    supported: "an adapter converted to plain LoRA (save_pretrained with path_initial_model_for_weight_conversion)")
            }
        }

        /// r and α of the module `name` (PEFT's module name, e.g. `encoder.layer.0.attention.self.value`).
        func rankAndAlpha(_ name: String) -> (rank: Int, alpha: Double) {
            (Self.match(rankPattern, name) ?? rank, Self.match(alphaPattern, name) ?? alpha)
        }

        /// s = α/r, or α/√r with rsLoRA.
        func scaling(rank r: Int, alpha: Double) -> Float {
            Float(useRSLoRA ? alpha / Double(r).squareRoot() : alpha / Double(r))
        }

        /// Whether `modules_to_save` covers module `name`: PEFT saves whole every module whose name
        /// ends with an entry, so `name` or one of its ancestors (`pooler` of `pooler.dense`) must.
        func saves(_ name: String) -> Bool {
            let components = name.split(separator: ".")
            return components.indices.contains { end in
                let module = components[...end].joined(separator: ".")
                return modulesToSave.contains { module.hasSuffix($0) }
            }
        }

        private static func match<V>(_ pattern: [(key: String, value: V)], _ name: String) -> V? {
            for (key, value) in pattern {
                guard let regex = try? NSRegularExpression(pattern: "^(.*\\.)?(\(key))$") else { continue }
                if regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil { return value }
            }
            return nil
        }
    }
}
