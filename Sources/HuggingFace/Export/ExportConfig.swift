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
        guard let family = HFFamily.family(model.config.architecture) else {
            throw .exportUnsupported(path: path, reason: "a \(model.config.architecture.rawValue) model")
        }
        let fields = family.configFields
        guard config.members != nil else {
            throw .invalidSourceConfig(path: path, reason: "is not a JSON object")
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
        let widths = Set(model.blocks.map(\.mlp.up.outFeatures))
        if widths.count > 1 {
            throw .exportUnsupported(path: path, reason: "blocks have different MLP widths \(widths.sorted()), which config.json cannot express (ffn-prune with global-fraction prunes layers unevenly; its per-layer fraction keeps one width)")
        }
        if let ff = widths.first, ff != model.config.intermediateSize {
            config.set(family.configFields.mlpWidth, .int(ff))
        }
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
    /// (Llama) when a pass gave those linears biases, which Mistral and Qwen2 (o_proj) cannot hold.
    private static func llamaFamily(_ model: Model, _ family: HFFamily, into config: inout JSONValue, path: String) throws(ArtifactError) {
        let c = model.config, attentions = model.blocks.map(\.attention)
        let shapes = Set(attentions.map { a in [a.keptHeads.count, a.keptKVHeads.count] })
        let even = attentions.allSatisfy { a in
            Set(a.keptKVHeads.map { g in a.keptHeads.filter { $0 / a.queriesPerKVHead == g }.count }).count == 1
        }
        guard shapes.count == 1, even, let shape = shapes.first else {
            throw .exportUnsupported(path: path, reason: "layers keep different numbers of query or key/value heads (\(attentions.map { "\($0.keptHeads.count)/\($0.keptKVHeads.count)" }.joined(separator: ", "))), which a \(c.architecture.rawValue) config.json cannot express; prune the same number of whole key/value groups in every layer (head-prune{fraction=…} per layer)")
        }
        if shape != [c.headCount, c.kvHeadCount] {
            config.set("num_attention_heads", .int(shape[0]))
            config.set("num_key_value_heads", .int(shape[1]))
            config.set("head_dim", .int(c.headDim))
        }
        let widths = Set(model.blocks.map(\.mlp.up.outFeatures))
        if widths.count > 1 {
            throw .exportUnsupported(path: path, reason: "blocks have different MLP widths \(widths.sorted()), which config.json cannot express (ffn-prune with global-fraction prunes layers unevenly; its per-layer fraction keeps one width)")
        }
        if let ff = widths.first, ff != c.intermediateSize { config.set(family.configFields.mlpWidth, .int(ff)) }
        if model.head.languageModel != nil || config["tie_word_embeddings"] != nil {
            config.set("tie_word_embeddings", .bool(model.head.languageModel == nil))
        }
        // Biases transformers always builds (Qwen2's q, k, v) need no field; others need
        // `attention_bias` / `mlp_bias`, which only some families read.
        let always: Set<String>
        if case let .groups(set?) = family.exportBiases { always = set } else { always = [] }
        let attentionBias = attentions.contains { a in [("q", a.q), ("k", a.k), ("v", a.v), ("o", a.o)].contains { !always.contains($0.0) && $0.1.bias != nil } }
        let mlpBias = model.blocks.contains { b in [b.mlp.gate, b.mlp.up, b.mlp.down].contains { $0?.bias != nil } }
        if family.configFields.biasFlags {
            if attentionBias { config.set("attention_bias", .bool(true)) }
            if mlpBias { config.set("mlp_bias", .bool(true)) }
        } else if attentionBias || mlpBias {
            throw .exportUnsupported(path: path, reason: "a pass gave \(mlpBias ? "the MLP" : "the attention output") a bias, which \(c.architecture.rawValue) cannot load; use reconstruction=none in head-prune / ffn-prune for a model you export")
        }
    }

    private static func parse(_ text: String, path: String) throws(ArtifactError) -> JSONValue {
        switch ManifestCoding.parse(Array(text.utf8)) {
        case let .success(v): return v
        case let .failure(f): throw .invalidSourceConfig(path: path, reason: "is not valid JSON (\(f.reason))")
        }
    }
}
