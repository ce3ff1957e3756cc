/// T5's tokenizer: a normalizer (NFKC, Replace, …), the Metaspace pre-tokenizer and a Unigram
/// model; `</s>` appended by its TemplateProcessing post-processor.
public final class UnigramTokenizer: Tokenizer {
    let pipeline: TokenizerPipeline
    let model: UnigramModel
    let metaspace: Metaspace

    init(pipeline: TokenizerPipeline, model: UnigramModel, metaspace: Metaspace) {
        self.pipeline = pipeline
        self.model = model
        self.metaspace = metaspace
    }

    public var vocabularySize: Int { pipeline.vocabulary.count }
    public var specialTokens: SpecialTokens { pipeline.specialTokens }

    public func encode(_ text: String, addSpecialTokens: Bool, maxLength: Int?) -> Encoding {
        var first = true
        return pipeline.encode(text, addSpecialTokens: addSpecialTokens, maxLength: maxLength) { text, range, ids in
            defer { first = false }
            metaspace.forEachWord(in: text, range, isFirst: first) { word in model.tokenize(word, into: &ids) }
        }
    }

    public func decode(_ ids: [Int]) throws(TokenizerError) -> String { try pipeline.decode(ids) }

    public func id(of token: String) -> Int? { pipeline.vocabulary.ids[token] }
}
