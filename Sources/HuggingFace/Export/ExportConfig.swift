import Artifact
import Foundation
import JSON
import ModelIR
import TensorCore

/// The exported `config.json`: the stored source config with the keys the model's changes
/// affect rewritten; every other key kept as it was.
enum ExportConfig {
    /// - `pruned_heads`: `{"layer": [removed head indices]}` for layers keeping fewer than H
    ///   heads (transformers prunes them at load); other source entries are dropped.
    /// - the family's MLP width field (`HFFamily.ConfigFields.mlpWidth`), when all blocks agree.
    /// - `tie_word_embeddings` (families with an LM head): false when the model has its own `lm_head`.
    /// - `dtype` / `torch_dtype` (whichever are present): the word embeddings' dtype.
    /// - `architectures`: the class `HFStateDict` names tensors for (`HFFamily.ConfigFields.exportClass`).
    ///
    /// Written with sorted keys, two-space indentation and a final newline.
    static func json(_ model: Model, sourceConfig: String, path: String) throws(ArtifactError) -> [UInt8] {
        var config = try parse(sourceConfig, path: path)
        let family = try HFFamily.exported(model, path: path)
        let fields = family.configFields
        guard config.members != nil else {
            throw .invalidSourceConfig(path: path, reason: "is not a JSON object")
        }
        if let written = family.architectures.first, written != model.config.architecture {
            // Written as another family (`HFFamily.exported`): its model type and class, no window,
            // and the tie said explicitly (the families' defaults differ).
            config.set("model_type", .string(written.rawValue))
            if case let .whenAbsent(name)? = fields.exportClass { config.set("architectures", [.string(name)]) }
            config.set("sliding_window", .null)
            config.set("tie_word_embeddings", .bool(model.head.languageModel == nil))
        }
        if model.decoder != nil {
            // T5: only the MLP width can change (HFStateDict.t5 refuses pruned heads and biases).
            let widths = Set((model.blocks + (model.decoder?.blocks ?? [])).map(\.mlp.up.outFeatures))
            guard widths.count == 1, let ff = widths.first else {
                throw .exportUnsupported(path: path, reason: "the encoder and decoder have different MLP widths \(widths.sorted()), which a T5 config.json cannot express; ffn-prune both stacks alike or keep the .pare artifact")
            }
            if ff != model.config.intermediateSize { config.set(fields.mlpWidth, .int(ff)) }
        } else if model.config.rotary != nil {
            try llamaFamily(model, family, into: &config, path: path)
        } else {
            try learnedPositions(model, family, into: &config, path: path)
        }
        let torchName: [DType: String] = [.f32: "float32", .f16: "float16", .bf16: "bfloat16", .f64: "float64"]
        if let name = torchName[model.embeddings.word.dtype] {
            for key in ["dtype", "torch_dtype"] where config[key] != nil { config.set(key, .string(name)) }
        }
        return try ManifestCoding.encode(config, path: path, pretty: true) + [UInt8(ascii: "\n")]
    }

    /// BERT and GPT-2.
    private static func learnedPositions(_ model: Model, _ family: HFFamily, into config: inout JSONValue, path: String) throws(ArtifactError) {
        let h = model.config.headCount
        var pruned: [String: JSONValue] = [:]
        for (i, b) in model.blocks.enumerated() where b.attention.keptHeads.count < h {
            let removed = (0..<h).filter { !b.attention.keptHeads.contains($0) }
            pruned[String(i)] = .array(removed.map { .int($0) })
        }
        if !pruned.isEmpty {
            config.set("pruned_heads", .object(sorting: pruned))
        } else if config["pruned_heads"] != nil {
            config.set("pruned_heads", .object([]))
        }
        let ff = try uniformMLPWidth(model.blocks, field: family.configFields.mlpWidth, path: path)
        if let ff, ff != model.config.intermediateSize { config.set(family.configFields.mlpWidth, .int(ff)) }
        if family.row("head.lm") != nil, model.head.languageModel != nil || config["tie_word_embeddings"] != nil {
            config.set("tie_word_embeddings", .bool(model.head.languageModel == nil))
        }
        switch family.configFields.exportClass {
        case let .always(plain, classifier)?:
            config.set("architectures", [.string(model.head.classifier != nil ? classifier ?? plain : plain)])
        case let .whenAbsent(name)?:
            if config["architectures"] == nil { config.set("architectures", [.string(name)]) }
        case nil:
            break
        }
    }

    /// Llama, Mistral, Qwen2: transformers has no `pruned_heads` for them, so pruned heads must
    /// leave every layer with the same h query and g key/value heads, each key/value head read by
    /// h/g of them; then `num_attention_heads` = h, `num_key_value_heads` = g and `head_dim` = d_h.
    /// `intermediate_size` the MLP width; `tie_word_embeddings`; `attention_bias` / `mlp_bias`
    /// (Llama) when those linears have biases.
    private static func llamaFamily(_ model: Model, _ family: HFFamily, into config: inout JSONValue, path: String) throws(ArtifactError) {
        let c = model.config, attentions = model.blocks.map(\.attention)
        let heads = try uniformHeads(attentions, architecture: c.architecture, path: path)
        if heads != (c.headCount, c.kvHeadCount) {
            config.set("num_attention_heads", .int(heads.h))
            config.set("num_key_value_heads", .int(heads.g))
            config.set("head_dim", .int(c.headDim))
        }
        let ff = try uniformMLPWidth(model.blocks, field: family.configFields.mlpWidth, path: path)
        if let ff, ff != c.intermediateSize { config.set(family.configFields.mlpWidth, .int(ff)) }
        if model.head.languageModel != nil || config["tie_word_embeddings"] != nil {
            config.set("tie_word_embeddings", .bool(model.head.languageModel == nil))
        }
        // Biases a family always builds (Qwen2's q, k, v) need no field; Llama's others need
        // `attention_bias` / `mlp_bias` (`HFFamily.exported` moved a model whose family has no such flags).
        guard family.configFields.biasFlags else { return }
        if attentions.contains(where: { a in [a.q, a.k, a.v, a.o].contains { $0.bias != nil } }) { config.set("attention_bias", .bool(true)) }
        if model.blocks.contains(where: { b in [b.mlp.gate, b.mlp.up, b.mlp.down].contains { $0?.bias != nil } }) { config.set("mlp_bias", .bool(true)) }
    }

    private static func parse(_ text: String, path: String) throws(ArtifactError) -> JSONValue {
        switch ManifestCoding.parse(Array(text.utf8)) {
        case let .success(v): return v
        case let .failure(f): throw .invalidSourceConfig(path: path, reason: "is not valid JSON (\(f.reason))")
        }
    }
}
