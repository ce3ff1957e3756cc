extension HFFamily {
    /// Which linears hold a bias in a checkpoint of this family with config.json `json`, as
    /// transformers builds them: Llama's q, k, v, o when `attention_bias` and gate, up, down when
    /// `mlp_bias`; Qwen2's q, k, v always; Mistral's none. nil for families whose importer takes a
    /// bias wherever the checkpoint holds one (BERT, GPT-2, T5).
    func biases(_ json: ConfigJSON) -> BiasGroups? {
        guard case let .groups(always) = exportBiases else { return nil }
        guard configFields.biasFlags else { return BiasGroups(attention: always ?? [], mlp: false) }
        return BiasGroups(attention: json.bool("attention_bias", default: false) ? ["q", "k", "v", "o"] : [],
                          mlp: json.bool("mlp_bias", default: false))
    }
}

/// The linears of a family built in groups (`HFFamily.ExportBiases.groups`) that have a bias.
struct BiasGroups: Sendable, Equatable {
    /// Attention roles with a bias (`q`, `k`, `v`, `o`).
    let attention: Set<String>
    /// Whether gate, up and down have one.
    let mlp: Bool

    /// Whether the linear at IR path pattern `ir` (`blocks.{i}.attention.q`, `head.lm`) has a bias.
    func has(_ ir: String) -> Bool {
        let parts = ir.split(separator: ".")
        guard parts.count >= 2, let role = parts.last else { return false }
        switch parts[parts.count - 2] {
        case "attention": return attention.contains(String(role))
        case "mlp": return mlp
        default: return false
        }
    }
}
