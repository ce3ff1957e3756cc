import Foundation
import ModelIR
import TensorCore

/// The exported `config.json`: the stored source config with the keys the model's changes
/// affect rewritten; every other key kept as it was.
enum ExportConfig {
    /// - `pruned_heads`: `{"layer": [removed head indices]}` for layers keeping fewer than H
    ///   heads (transformers prunes them at load); other source entries are dropped.
    /// - `intermediate_size` (BERT) / `n_inner` (GPT-2): the MLP width, when all blocks agree.
    /// - `tie_word_embeddings` (GPT-2): false when the model has its own `lm_head`.
    /// - `dtype` / `torch_dtype` (whichever are present): the word embeddings' dtype.
    /// - `architectures`: the class `HFStateDict` names tensors for (`BertForSequenceClassification`
    ///   with a classifier, else `BertModel`; `GPT2LMHeadModel` when absent).
    ///
    /// Written with sorted keys, two-space indentation and a final newline.
    static func json(_ model: Model, sourceConfig: String, path: String) throws(ArtifactError) -> [UInt8] {
        guard case var .object(config) = try parse(sourceConfig, path: path) else {
            throw .invalidSourceConfig(path: path, reason: "is not a JSON object")
        }
        let h = model.config.headCount
        var pruned: [String: JSONValue] = [:]
        for (i, b) in model.blocks.enumerated() where b.attention.keptHeads.count < h {
            let removed = (0..<h).filter { !b.attention.keptHeads.contains($0) }
            pruned[String(i)] = .array(removed.map { .number(Double($0)) })
        }
        if !pruned.isEmpty {
            config["pruned_heads"] = .object(pruned)
        } else if config["pruned_heads"] != nil {
            config["pruned_heads"] = .object([:])
        }
        let widths = Set(model.blocks.map(\.mlp.up.outFeatures))
        if widths.count > 1 {
            throw .exportUnsupported(path: path, reason: "blocks have different MLP widths \(widths.sorted()), which config.json cannot express (ffn-prune with global-fraction prunes layers unevenly; its per-layer fraction keeps one width)")
        }
        if let ff = widths.first, ff != model.config.intermediateSize {
            config[model.config.architecture == .bert ? "intermediate_size" : "n_inner"] = .number(Double(ff))
        }
        if model.config.architecture == .gpt2, model.head.languageModel != nil || config["tie_word_embeddings"] != nil {
            config["tie_word_embeddings"] = .bool(model.head.languageModel == nil)
        }
        switch model.config.architecture {
        case .bert:
            let name = model.head.classifier != nil ? "BertForSequenceClassification" : "BertModel"
            config["architectures"] = [.string(name)]
        case .gpt2:
            if config["architectures"] == nil { config["architectures"] = ["GPT2LMHeadModel"] }
        }
        let torchName: [DType: String] = [.f32: "float32", .f16: "float16", .bf16: "bfloat16", .f64: "float64"]
        if let name = torchName[model.embeddings.word.dtype] {
            for key in ["dtype", "torch_dtype"] where config[key] != nil { config[key] = .string(name) }
        }
        return try ManifestCoding.encode(JSONValue.object(config), path: path, pretty: true) + [UInt8(ascii: "\n")]
    }

    private static func parse(_ text: String, path: String) throws(ArtifactError) -> JSONValue {
        switch ManifestCoding.decode(JSONValue.self, from: Array(text.utf8)) {
        case let .success(v): return v
        case let .failure(f): throw .invalidSourceConfig(path: path, reason: "is not valid JSON (\(f.reason))")
        }
    }
}
