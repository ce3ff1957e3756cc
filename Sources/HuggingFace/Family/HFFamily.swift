import Artifact
import Foundation
import ModelIR

/// One Hugging Face checkpoint family as data: which transformers module holds each IR module,
/// how its tensors are laid out, which config.json fields it reads and how it is named on export.
/// The importer (`FamilyImporter`), the PEFT module names (`PEFTAdapterImporter.module`) and the
/// exporter (`HFStateDict`) are all derived from these values; a new family is a new value.
///
/// Names are patterns: `{p}` is the base-model prefix (`bert.`, `transformer.`, `model.`), which
/// a checkpoint may omit (a bare `BertModel`), and `{i}` a block index.
struct HFFamily: Sendable {
    /// The `model_type` values the family reads.
    let architectures: [Architecture]
    /// What `{p}` stands for in a task model's names.
    let basePrefix: String
    /// Whether the exporter writes `{p}`: always, or only for a model with a classifier
    /// (`BertForSequenceClassification` against `BertModel`).
    let exportPrefix: ExportPrefix
    /// LayerNorm `weight` and `bias` (BERT, GPT-2), or an RMS norm's `weight` alone.
    let normsHaveBias: Bool
    /// IR module ↔ Hugging Face module, in IR order.
    let modules: [HFModule]
    /// Non-parameter buffers accepted on import when present (full tensor names; `{i}` for each block).
    let buffers: [String]
    /// `tie_word_embeddings` when config.json does not say.
    let tiedByDefault: Bool
    /// A tied LM head scales the hidden state by d^−½ (T5).
    let tiedLogitScale: Bool
    /// PEFT adapters may name its norms (`modules_to_save`).
    let adapterNorms: Bool
    /// Which linears get a bias on export.
    let exportBiases: ExportBiases
    /// config.json fields the exporter writes.
    let configFields: ConfigFields
    /// The ModelConfig of config.json.
    let readConfig: @Sendable (ConfigJSON, Architecture) throws(ImportError) -> ModelConfig
    /// What the exporter refuses before writing anything (`ArtifactError.exportUnsupported`).
    let exportCheck: @Sendable (Model, String) throws(ArtifactError) -> Void

    enum ExportPrefix: Sendable { case always, withClassifier }

    /// config.json fields the exporter rewrites (`ExportConfig`).
    struct ConfigFields: Sendable {
        /// The MLP width: `intermediate_size`, `n_inner`, `d_ff`.
        let mlpWidth: String
        /// `architectures`: the class the exported names are for.
        var exportClass: ExportClass? = nil
        /// `attention_bias` / `mlp_bias` say which linear groups have biases (Llama).
        var biasFlags = false
        /// The family a model is exported as when passes gave it biases this one cannot hold
        /// (`HFFamily.exported`): Mistral and Qwen2 without a sliding window are Llama with
        /// `attention_bias` / `mlp_bias`.
        var biasesAs: Architecture? = nil
    }

    enum ExportClass: Sendable {
        /// Always written: `classifier` for a model with a classifier, else `plain`.
        case always(plain: String, classifier: String?)
        /// Written only when the source config has none.
        case whenAbsent(String)
    }

    enum ExportBiases: Sendable {
        /// Every linear but the LM head has one (zeros when the IR has none): BERT, GPT-2.
        case always
        /// Linears are built in groups (attention q, k, v, o; MLP gate, up, down) that have a bias
        /// each or none; `attention` lists the ones that always have one (Qwen2: q, k, v; never o).
        case groups(attention: Set<String>?)
        /// No linear has a bias (T5; `exportCheck` refuses one).
        case never
    }

    /// The families Pare reads and writes.
    static let all: [HFFamily] = [.bert, .gpt2, .llama, .mistral, .qwen2, .t5]

    static func family(_ architecture: Architecture) -> HFFamily? {
        all.first { $0.architectures.contains(architecture) }
    }

    /// The description row of IR module `ir` (a pattern: `blocks.{i}.attention.q`) for an MLP of
    /// kind `mlp`; saved copies (`.copy`) are never the answer.
    func row(_ ir: String, mlp: MLPKind = .plain) -> HFModule? {
        modules.first { $0.ir == ir && $0.layout != .copy && ($0.mlp == nil || $0.mlp == mlp) }
    }

    /// The Hugging Face module name of `ir` in block `i` with base prefix `prefix`.
    func name(_ ir: String, _ i: Int = 0, prefix: String, mlp: MLPKind = .plain) -> String? {
        row(ir, mlp: mlp).map { $0.hf(i, prefix: prefix) }
    }
}

/// One IR module and the transformers module that holds it.
struct HFModule: Sendable, Equatable {
    enum Layout: Sendable, Equatable {
        /// `nn.Linear`: `weight` [out, in], optional `bias` [out].
        case linear
        /// GPT-2 `Conv1D`: `weight` stored [in, out], `bias` [out].
        case conv1D
        /// Part `part` of `of` equal parts of a `Conv1D` fused along its output (GPT-2 `c_attn` = q | k | v).
        case fused(part: Int, of: Int)
        /// A LayerNorm / RMSNorm (`weight`, and `bias` when the family's norms have one).
        case norm
        /// An embedding table (`weight`), which adapters may target.
        case embedding
        /// A parameter table (`weight`) adapters never target (T5's relative position bias).
        case table
        /// A saved copy of another module's `weight` (T5's `encoder.embed_tokens`): accepted as a
        /// buffer on import, the same module to PEFT, not written on export.
        case copy
    }

    /// IR path pattern: `blocks.{i}.attention.q`, `embeddings.word`, `head.lm`.
    let ir: String
    /// Hugging Face module pattern: `{p}encoder.layer.{i}.attention.self.query`.
    let hf: String
    let layout: Layout
    /// The row holds only for this MLP kind (T5's `wi` plain, `wi_1` gated).
    var mlp: MLPKind? = nil

    init(_ ir: String, _ hf: String, _ layout: Layout, mlp: MLPKind? = nil) {
        self.ir = ir
        self.hf = hf
        self.layout = layout
        self.mlp = mlp
    }

    func hf(_ i: Int, prefix: String) -> String { Self.expand(hf, i, prefix: prefix) }

    /// `pattern` with `{p}` = `prefix` and `{i}` = `i`.
    static func expand(_ pattern: String, _ i: Int, prefix: String) -> String {
        pattern.replacingOccurrences(of: "{p}", with: prefix).replacingOccurrences(of: "{i}", with: String(i))
    }

    func ir(_ i: Int) -> String { ir.replacingOccurrences(of: "{i}", with: String(i)) }

    /// The block index when `name` is this module with base prefix `prefix` (0 when the pattern
    /// has no `{i}`); nil when it is not. An index is decimal digits.
    func match(_ name: String, prefix: String) -> Int? {
        let pattern = hf.replacingOccurrences(of: "{p}", with: prefix)
        guard let hole = pattern.range(of: "{i}") else { return name == pattern ? 0 : nil }
        let before = pattern[..<hole.lowerBound], after = pattern[hole.upperBound...]
        guard name.count > before.count + after.count, name.hasPrefix(before), name.hasSuffix(after) else { return nil }
        let digits = name.dropFirst(before.count).dropLast(after.count)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }
}
