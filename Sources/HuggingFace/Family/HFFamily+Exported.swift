import Artifact
import ModelIR

extension HFFamily {
    /// The family `model` is written as: its own, or `configFields.biasesAs` when passes gave it
    /// biases its own cannot hold (a reconstructing head-prune's W_O bias, ffn-prune's refit
    /// down bias in Mistral or Qwen2) and the other family holds everything else the model is. A
    /// sliding window keeps a model in its own family, as no other holds it.
    static func exported(_ model: Model, path: String) throws(ArtifactError) -> HFFamily {
        let c = model.config
        guard let own = family(c.architecture) else { throw .exportUnsupported(path: path, reason: "a \(c.architecture.rawValue) model") }
        guard let unheld = own.unheldBiases(model) else { return own }
        let fallback = own.configFields.biasesAs
        if let other = fallback.flatMap(family), c.slidingWindow == nil { return other }
        let window = fallback.map { " (nor, with its sliding window of \(c.slidingWindow ?? 0), as a \($0.rawValue) checkpoint)" } ?? ""
        throw .exportUnsupported(path: path, reason: "a pass gave \(unheld) a bias, which a \(c.architecture.rawValue) checkpoint cannot hold\(window); use reconstruction=none in head-prune / ffn-prune for a model you export")
    }

    /// Which linears of `model` have a bias this family's checkpoints cannot hold, or nil when it
    /// holds them all: with bias groups but no `attention_bias` / `mlp_bias` flags, attention
    /// biases outside the ones it always builds, and any MLP bias.
    func unheldBiases(_ model: Model) -> String? {
        guard case let .groups(always) = exportBiases, !configFields.biasFlags else { return nil }
        let roles = ["q", "k", "v", "o"].filter { role in
            !(always ?? []).contains(role) && model.blocks.contains { b in
                let a = b.attention
                return [("q", a.q), ("k", a.k), ("v", a.v), ("o", a.o)].contains { $0.0 == role && $0.1.bias != nil }
            }
        }
        let mlp = model.blocks.contains { b in [b.mlp.gate, b.mlp.up, b.mlp.down].contains { $0?.bias != nil } }
        let parts = roles.map { "attention.\($0)" } + (mlp ? ["the MLP"] : [])
        return parts.isEmpty ? nil : parts.joined(separator: " and ")
    }
}
