import JSON

/// The parts of transformers' `tokenizer_config.json` that matter here; every field is optional.
struct TokenizerConfig: Sendable, Equatable {
    /// `cls_token`, … → the token, nil when the file sets it to `null`. A role the file does not
    /// mention is absent.
    var names: [SpecialRole: String?] = [:]
    var doLowerCase: Bool?
    /// `strip_accents`: absent → nil; `null` → `.some(nil)` (follow `do_lower_case`).
    var stripAccents: Bool??
    var tokenizeChineseChars: Bool?
    var addPrefixSpace: Bool?
    /// `tokenizer_class` (`LlamaTokenizer`, `PreTrainedTokenizerFast`, …).
    var tokenizerClass: String?
    /// `add_bos_token`, `add_eos_token`: absent → nil.
    var addBosToken: Bool?
    var addEosToken: Bool?

    static func read(path: String) throws(TokenizerError) -> TokenizerConfig {
        let root = try JSONObject.read(path: path)
        var config = TokenizerConfig()
        for role in SpecialRole.allCases {
            guard let value = root.values[role.rawValue] else { continue }
            switch value {
            case .null:
                config.names[role] = .some(nil)
            case let .string(s):
                config.names[role] = s
            case .object:
                config.names[role] = try root.object(role.rawValue).string("content")
            default:
                throw root.invalid(role.rawValue, "a string, an object with a \"content\" string, or null")
            }
        }
        config.doLowerCase = try root.optionalBool("do_lower_case")
        if root.values["strip_accents"] != nil { config.stripAccents = .some(try root.optionalBool("strip_accents")) }
        config.tokenizeChineseChars = try root.optionalBool("tokenize_chinese_chars")
        config.addPrefixSpace = try root.optionalBool("add_prefix_space")
        config.tokenizerClass = try root.optionalString("tokenizer_class")
        config.addBosToken = try root.optionalBool("add_bos_token")
        config.addEosToken = try root.optionalBool("add_eos_token")
        return config
    }

    /// `defaults` with the roles `config` names (or sets to null) replaced.
    static func names(_ config: TokenizerConfig?, over defaults: [SpecialRole: String]) -> [SpecialRole: String?] {
        var names: [SpecialRole: String?] = defaults.mapValues { $0 }
        for (role, name) in config?.names ?? [:] { names.updateValue(name, forKey: role) }
        return names
    }
}
