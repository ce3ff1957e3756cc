import Foundation

extension TokenizerLoader {
    /// The tokenizer classes whose transformers implementation rebuilds the post-processor on load
    /// (`update_post_processor`): `[bos] $A [eos]` from `add_bos_token` (default true) and
    /// `add_eos_token` (default false), whatever tokenizer.json's `post_processor` says.
    static let classesRebuildingPostProcessor: Set<String> = [
        "LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast",
    ]

    /// The post-processor transformers builds for `config`'s class, nil for other classes;
    /// `path` is tokenizer.json's (the config is beside it).
    static func configuredPostProcessor(_ config: TokenizerConfig?, vocabulary: Vocabulary, path: String)
        throws(TokenizerError) -> PostProcessor? {
        guard let config, let name = config.tokenizerClass, classesRebuildingPostProcessor.contains(name) else { return nil }
        let configPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("tokenizer_config.json").path
        func id(_ role: SpecialRole, _ add: Bool) throws(TokenizerError) -> [Int] {
            guard add else { return [] }
            let key = role.rawValue
            guard case let token?? = config.names[role] else {
                throw .invalidField(path: configPath, field: key, expected: "a token, as add_\(role == .bos ? "bos" : "eos")_token is true")
            }
            guard let id = vocabulary.ids[token] else { throw .unknownToken(path: configPath, field: key, token: token) }
            return [id]
        }
        let prefix = try id(.bos, config.addBosToken ?? true), suffix = try id(.eos, config.addEosToken ?? false)
        return PostProcessor(prefix: prefix, prefixTypeIds: prefix.map { _ in 0 }, suffix: suffix, suffixTypeIds: suffix.map { _ in 0 })
    }
}
