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
        pipeline.encode(text, addSpecialTokens: addSpecialTokens, maxLength: maxLength) { text, range, startsText, ids in
            metaspace.forEachWord(in: text, range, isFirst: startsText) { word in model.tokenize(word, into: &ids) }
        }
    }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool) throws(TokenizerError) -> String {
        try pipeline.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    public func id(of token: String) -> Int? { pipeline.vocabulary.ids[token] }
}
