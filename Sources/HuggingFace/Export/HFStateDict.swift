import Artifact
import ModelIR
import TensorCore

/// The Hugging Face state dict of a model, named by its family's description (`HFFamily`) as
/// transformers saves it: `BertModel` (or, with a classifier, `BertForSequenceClassification`),
/// `GPT2LMHeadModel`, `LlamaForCausalLM` & co., `T5ForConditionalGeneration`.
///
/// Weights are densified (`Densify`); `nn.Linear` weights are [out, in], `Conv1D` ones [in, out],
/// fused parts stacked along the output. Biases follow `HFFamily.ExportBiases`; `lm_head.weight`
/// is written only when untied, saved copies (`.copy`) never. Rows of a pruned attention are the
/// kept heads, in order, matching transformers' `prune_heads`.
enum HFStateDict {
    static func tensors(_ model: Model, path: String) throws(ArtifactError) -> [String: Tensor] {
        let family = try HFFamily.exported(model, path: path)
        try family.exportCheck(model, path)
        var writer = Writer(family: family, mlp: model.config.mlpKind,
                            prefix: family.exportPrefix == .always || model.head.classifier != nil ? family.basePrefix : "")
        writer.write(model)
        return writer.out
    }

    private struct Writer {
        let family: HFFamily
        let mlp: MLPKind
        let prefix: String
        var out: [String: Tensor] = [:]

        init(family: HFFamily, mlp: MLPKind, prefix: String) {
            self.family = family
            self.mlp = mlp
            self.prefix = prefix
        }

        mutating func write(_ m: Model) {
            let e = m.embeddings
            table("embeddings.word", e.word)
            table("embeddings.position", e.position)
            table("embeddings.token_type", e.tokenType)
            table("embeddings.relative_bias", e.relativeBias)
            if let n = e.norm { norm("embeddings.norm", n) }
            for (i, b) in m.blocks.enumerated() { block("blocks.{i}", i, b) }
            if let decoder = m.decoder {
                for (i, b) in decoder.blocks.enumerated() { block("decoder.blocks.{i}", i, b) }
                norm("decoder.final_norm", decoder.finalNorm)
                table("decoder.relative_bias", decoder.relativeBias)
            }
            let h = m.head
            if let n = h.finalNorm { norm("head.final_norm", n) }
            if let l = h.pooler { group("head", [("pooler", l)], attention: false) }
            if let l = h.classifier { group("head", [("classifier", l)], attention: false) }
            if let lm = h.languageModel, let name = family.name("head.lm", prefix: prefix) {
                out["\(name).weight"] = Densify.weight(lm.weight)
            }
        }

        private mutating func block(_ at: String, _ i: Int, _ b: Block<Tensor>) {
            attention("\(at).attention", i, b.attention)
            norm("\(at).attention_norm", b.attentionNorm, i)
            if let cross = b.crossAttention, let n = b.crossAttentionNorm {
                attention("\(at).cross_attention", i, cross)
                norm("\(at).cross_attention_norm", n, i)
            }
            let parts = [("gate", b.mlp.gate), ("up", b.mlp.up), ("down", b.mlp.down)].compactMap { r, l in l.map { (r, $0) } }
            group("\(at).mlp", parts, i, attention: false)
            norm("\(at).mlp_norm", b.mlpNorm, i)
        }

        private mutating func attention(_ at: String, _ i: Int, _ a: Attention<Tensor>) {
            let parts = [("q", a.q), ("k", a.k), ("v", a.v), ("o", a.o)]
            guard let row = family.row("\(at).q"), case let .fused(_, count) = row.layout else {
                group(at, parts, i, attention: true)
                return
            }
            // Parts 0..<count fused into one Conv1D; the rest written as their own rows say.
            let fused = parts.prefix(count).map(\.1), name = row.hf(i, prefix: prefix)
            out["\(name).weight"] = HFStateDict.concatenatedRows(fused.map { Densify.weight($0.weight) }).transposed()
            out["\(name).bias"] = HFStateDict.concatenatedRows(fused.map(HFStateDict.bias))
            group(at, Array(parts.dropFirst(count)), i, attention: true)
        }

        /// Linears `at.<role>` of block `i` that transformers builds together, with their biases.
        private mutating func group(_ at: String, _ parts: [(String, Linear<Tensor>)], _ i: Int = 0, attention: Bool) {
            let withBias: [String]
            switch family.exportBiases {
            case .always: withBias = parts.map(\.0)
            case .never: withBias = []
            case let .groups(always):
                if attention, let always { withBias = parts.map(\.0).filter(always.contains) } else {
                    withBias = parts.contains { $0.1.bias != nil } ? parts.map(\.0) : []
                }
            }
            for (role, l) in parts {
                guard let row = family.row("\(at).\(role)", mlp: mlp) else { continue }
                let name = row.hf(i, prefix: prefix)
                let w = Densify.weight(l.weight)
                out["\(name).weight"] = row.layout == .conv1D ? w.transposed() : w
                if withBias.contains(role) { out["\(name).bias"] = HFStateDict.bias(l) }
            }
        }

        private mutating func norm(_ ir: String, _ n: LayerNorm<Tensor>, _ i: Int = 0) {
            guard let name = family.name(ir, i, prefix: prefix) else { return }
            out["\(name).weight"] = n.weight
            if family.normsHaveBias { out["\(name).bias"] = n.bias }
        }

        private mutating func table(_ ir: String, _ t: Tensor?) {
            guard let t, let name = family.name(ir, prefix: prefix) else { return }
            out["\(name).weight"] = t
        }
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
