import ModelIR
import TensorCore

/// The Hugging Face state dict of a model, named as the importer reads it (ModelImport's
/// BERTImporter and GPT2Importer) and as transformers saves it.
///
/// - BERT: `BertModel` names (`embeddings.…`, `encoder.layer.i.…`, `pooler.dense.…`); with a
///   classifier, `BertForSequenceClassification` names (`bert.` prefix, `classifier.…`).
/// - Llama, Mistral, Qwen2: see `llama(_:path:)`.
/// - GPT-2: `GPT2LMHeadModel` names (`transformer.…`); `Conv1D` weights stored [in, out];
///   q | k | v fused along the output into `attn.c_attn`; `lm_head.weight` only when untied.
///
/// Weights are densified (`Densify`); a linear without a bias gets a zero bias, which HF
/// layers always have. Rows of a pruned attention are the kept heads, in order, matching
/// transformers' `prune_heads`.
enum HFStateDict {
    static func tensors(_ model: Model, path: String) throws(ArtifactError) -> [String: Tensor] {
        switch model.config.architecture {
        case .bert: return try bert(model, path: path)
        case .gpt2: return try gpt2(model, path: path)
        case .llama, .mistral, .qwen2: return try llama(model, path: path)
        case .t5: return try t5(model, path: path)
        }
    }

    static func bert(_ m: Model, path: String) throws(ArtifactError) -> [String: Tensor] {
        guard m.head.finalNorm == nil, m.head.languageModel == nil, !m.head.tiedToEmbeddings else {
            throw .exportUnsupported(path: path, reason: "a BERT model with a final norm or language-model head")
        }
        guard let embeddingNorm = m.embeddings.norm else {
            throw .exportUnsupported(path: path, reason: "a BERT model without an embedding LayerNorm")
        }
        if m.head.classifier != nil && m.head.pooler == nil {
            throw .exportUnsupported(path: path, reason: "a BERT classifier without a pooler (BertForSequenceClassification would start from a random pooler)")
        }
        let p = m.head.classifier != nil ? "bert." : ""
        var out: [String: Tensor] = [:]
        out["\(p)embeddings.word_embeddings.weight"] = m.embeddings.word
        out["\(p)embeddings.position_embeddings.weight"] = m.embeddings.position
        if let t = m.embeddings.tokenType { out["\(p)embeddings.token_type_embeddings.weight"] = t }
        norm(embeddingNorm, "\(p)embeddings.LayerNorm", into: &out)
        for (i, b) in m.blocks.enumerated() {
            let l = "\(p)encoder.layer.\(i)"
            linear(b.attention.q, "\(l).attention.self.query", into: &out)
            linear(b.attention.k, "\(l).attention.self.key", into: &out)
            linear(b.attention.v, "\(l).attention.self.value", into: &out)
            linear(b.attention.o, "\(l).attention.output.dense", into: &out)
            norm(b.attentionNorm, "\(l).attention.output.LayerNorm", into: &out)
            linear(b.mlp.up, "\(l).intermediate.dense", into: &out)
            linear(b.mlp.down, "\(l).output.dense", into: &out)
            norm(b.mlpNorm, "\(l).output.LayerNorm", into: &out)
        }
        if let pooler = m.head.pooler { linear(pooler, "\(p)pooler.dense", into: &out) }
        if let classifier = m.head.classifier { linear(classifier, "classifier", into: &out) }
        return out
    }

    static func gpt2(_ m: Model, path: String) throws(ArtifactError) -> [String: Tensor] {
        guard m.embeddings.norm == nil, m.embeddings.tokenType == nil, m.head.pooler == nil, m.head.classifier == nil,
              let finalNorm = m.head.finalNorm else {
            throw .exportUnsupported(path: path, reason: "a GPT-2 model needs exactly embeddings, blocks and a final norm (no pooler, classifier or token types)")
        }
        var out: [String: Tensor] = [:]
        out["transformer.wte.weight"] = m.embeddings.word
        out["transformer.wpe.weight"] = m.embeddings.position
        for (i, b) in m.blocks.enumerated() {
            let l = "transformer.h.\(i)"
            let a = b.attention
            let qkv = [a.q, a.k, a.v]
            out["\(l).attn.c_attn.weight"] = concatenatedRows(qkv.map { Densify.weight($0.weight) }).transposed()
            out["\(l).attn.c_attn.bias"] = concatenatedRows(qkv.map(bias))
            conv1D(a.o, "\(l).attn.c_proj", into: &out)
            norm(b.attentionNorm, "\(l).ln_1", into: &out)
            conv1D(b.mlp.up, "\(l).mlp.c_fc", into: &out)
            conv1D(b.mlp.down, "\(l).mlp.c_proj", into: &out)
            norm(b.mlpNorm, "\(l).ln_2", into: &out)
        }
        norm(finalNorm, "transformer.ln_f", into: &out)
        if let lm = m.head.languageModel {
            guard lm.bias == nil else { throw .exportUnsupported(path: path, reason: "a GPT-2 language-model head with a bias") }
            out["lm_head.weight"] = Densify.weight(lm.weight)
        }
        return out
    }

    private static func norm(_ n: LayerNorm<Tensor>, _ prefix: String, into out: inout [String: Tensor]) {
        out["\(prefix).weight"] = n.weight
        out["\(prefix).bias"] = n.bias
    }


    /// `nn.Linear`: weight [out, in], bias [out].
    private static func linear(_ l: Linear<Tensor>, _ prefix: String, into out: inout [String: Tensor]) {
        out["\(prefix).weight"] = Densify.weight(l.weight)
        out["\(prefix).bias"] = bias(l)
    }

    /// GPT-2 `Conv1D`: weight [in, out], bias [out].
    private static func conv1D(_ l: Linear<Tensor>, _ prefix: String, into out: inout [String: Tensor]) {
        out["\(prefix).weight"] = Densify.weight(l.weight).transposed()
        out["\(prefix).bias"] = bias(l)
    }

    /// b [out], or zeros in the weight's float dtype (f32 when the weight is not a float).
    static func bias(_ l: Linear<Tensor>) -> Tensor {
        if let b = l.bias { return b }
        let w = Densify.weight(l.weight)
        let dtype: DType = [.f32, .f16, .bf16].contains(w.dtype) ? w.dtype : .f32
        return Tensor([Float](repeating: 0, count: l.outFeatures), shape: [l.outFeatures], dtype: dtype)
    }

    /// Rows of `parts` stacked ([a, c] + [b, c] → [a + b, c]; vectors likewise). Parts of
    /// different dtypes are all widened to f32 first.
    static func concatenatedRows(_ parts: [Tensor]) -> Tensor {
        let same = Set(parts.map(\.dtype)).count == 1
        let unified = same ? parts : parts.map { $0.dtype == .f32 ? $0 : $0.converted(to: .f32) }
        var bytes: [UInt8] = []
        for t in unified { t.withUnsafeBytes { bytes += $0 } }
        var dims = unified[0].shape.dims
        dims[0] = unified.reduce(0) { $0 + $1.shape[0] }
        return Tensor(dtype: unified[0].dtype, shape: Shape(dims), bytes: bytes)
    }
}
