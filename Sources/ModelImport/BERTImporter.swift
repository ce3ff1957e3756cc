import ModelIR

/// BERT-family encoders (`model_type: bert`, MiniLM included), as `BertModel`,
/// `BertForSequenceClassification` and friends save them: names with or without the `bert.`
/// prefix, optional pooler and classifier.
enum BERTImporter {
    static func config(_ json: ConfigJSON) throws(ImportError) -> ModelConfig {
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

    static func graph<S>(_ c: ModelConfig, _ t: inout TensorTaker<S>) throws(ImportError) -> ModelGraph<S.T> {
        let p = t.has("bert.embeddings.word_embeddings.weight") ? "bert." : ""
        let d = c.hiddenSize
        t.acceptBuffer("\(p)embeddings.position_ids")
        t.acceptBuffer("\(p)embeddings.token_type_ids")
        let embeddings = Embeddings(
            word: try t.take("\(p)embeddings.word_embeddings.weight", [c.vocabSize, d]),
            position: try t.take("\(p)embeddings.position_embeddings.weight", [c.maxPositions, d]),
            tokenType: c.typeVocabSize > 0
                ? try t.take("\(p)embeddings.token_type_embeddings.weight", [c.typeVocabSize, d]) : nil,
            norm: try t.takeNorm("\(p)embeddings.LayerNorm", d))
        var blocks: [Block<S.T>] = []
        for i in 0..<c.layerCount {
            let l = "\(p)encoder.layer.\(i)"
            let attention = Attention(
                q: try t.takeLinear("\(l).attention.self.query", in: d, out: d),
                k: try t.takeLinear("\(l).attention.self.key", in: d, out: d),
                v: try t.takeLinear("\(l).attention.self.value", in: d, out: d),
                o: try t.takeLinear("\(l).attention.output.dense", in: d, out: d),
                headDim: c.headDim, keptHeads: Array(0..<c.headCount))
            blocks.append(Block(
                attention: attention,
                attentionNorm: try t.takeNorm("\(l).attention.output.LayerNorm", d),
                mlp: MLP(up: try t.takeLinear("\(l).intermediate.dense", in: d, out: c.intermediateSize),
                         down: try t.takeLinear("\(l).output.dense", in: c.intermediateSize, out: d)),
                mlpNorm: try t.takeNorm("\(l).output.LayerNorm", d)))
        }
        var head = Head<S.T>()
        if t.has("\(p)pooler.dense.weight") { head.pooler = try t.takeLinear("\(p)pooler.dense", in: d, out: d) }
        if t.has("classifier.weight") { head.classifier = try t.takeLinear("classifier", in: d, out: nil) }
        return ModelGraph(config: c, embeddings: embeddings, blocks: blocks, head: head)
    }
}
