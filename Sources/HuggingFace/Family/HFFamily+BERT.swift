import Artifact
import ModelIR

extension HFFamily {
    /// BERT-family encoders (`model_type: bert`, MiniLM included), as `BertModel` and
    /// `BertForSequenceClassification` save them: names with or without the `bert.` prefix,
    /// optional pooler and classifier (outside the prefix), legacy `gamma`/`beta` norms accepted.
    static let bert = HFFamily(
        architectures: [.bert], basePrefix: "bert.", exportPrefix: .withClassifier, normsHaveBias: true,
        modules: [
            HFModule("embeddings.word", "{p}embeddings.word_embeddings", .embedding),
            HFModule("embeddings.position", "{p}embeddings.position_embeddings", .embedding),
            HFModule("embeddings.token_type", "{p}embeddings.token_type_embeddings", .embedding),
            HFModule("embeddings.norm", "{p}embeddings.LayerNorm", .norm),
            HFModule("blocks.{i}.attention.q", "{p}encoder.layer.{i}.attention.self.query", .linear),
            HFModule("blocks.{i}.attention.k", "{p}encoder.layer.{i}.attention.self.key", .linear),
            HFModule("blocks.{i}.attention.v", "{p}encoder.layer.{i}.attention.self.value", .linear),
            HFModule("blocks.{i}.attention.o", "{p}encoder.layer.{i}.attention.output.dense", .linear),
            HFModule("blocks.{i}.attention_norm", "{p}encoder.layer.{i}.attention.output.LayerNorm", .norm),
            HFModule("blocks.{i}.mlp.up", "{p}encoder.layer.{i}.intermediate.dense", .linear),
            HFModule("blocks.{i}.mlp.down", "{p}encoder.layer.{i}.output.dense", .linear),
            HFModule("blocks.{i}.mlp_norm", "{p}encoder.layer.{i}.output.LayerNorm", .norm),
            HFModule("head.pooler", "{p}pooler.dense", .linear),
            HFModule("head.classifier", "classifier", .linear),
        ],
        buffers: ["{p}embeddings.position_ids", "{p}embeddings.token_type_ids"],
        tiedByDefault: false, tiedLogitScale: false, adapterNorms: true, exportBiases: .always,
        configFields: ConfigFields(mlpWidth: "intermediate_size",
                                   exportClass: .always(plain: "BertModel", classifier: "BertForSequenceClassification")),
        readConfig: { json, _ throws(ImportError) in try bertConfig(json) },
        exportCheck: { m, path throws(ArtifactError) in
            guard m.head.finalNorm == nil, m.head.languageModel == nil, !m.head.tiedToEmbeddings else {
                throw .exportUnsupported(path: path, reason: "a BERT model with a final norm or language-model head")
            }
            guard m.embeddings.norm != nil else {
                throw .exportUnsupported(path: path, reason: "a BERT model without an embedding LayerNorm")
            }
            if m.head.classifier != nil && m.head.pooler == nil {
                throw .exportUnsupported(path: path, reason: "a BERT classifier without a pooler (BertForSequenceClassification would start from a random pooler)")
            }
        })

    private static func bertConfig(_ json: ConfigJSON) throws(ImportError) -> ModelConfig {
        if let kind = json.string("position_embedding_type"), kind != "absolute" {
            throw .unsupportedSetting(path: json.path, key: "position_embedding_type", value: kind, supported: "absolute")
        }
        let activation: Activation
        switch json.string("hidden_act") ?? "gelu" {
        case "gelu": activation = .gelu
        case "gelu_new", "gelu_pytorch_tanh": activation = .geluTanh
        case "relu": activation = .relu
        case let other:
            throw .unsupportedSetting(path: json.path, key: "hidden_act", value: other,
                                      supported: "gelu, gelu_new, gelu_pytorch_tanh or relu")
        }
        return ModelConfig(
            architecture: .bert, vocabSize: try json.int("vocab_size"), hiddenSize: try json.int("hidden_size"),
            layerCount: try json.int("num_hidden_layers"), headCount: try json.int("num_attention_heads"),
            intermediateSize: try json.int("intermediate_size"),
            maxPositions: try json.int("max_position_embeddings"),
            typeVocabSize: try json.optionalInt("type_vocab_size") ?? 2,
            layerNormEpsilon: Float(try json.double("layer_norm_eps", default: 1e-12)),
            activation: activation, normPlacement: .post, causal: false)
    }
}
