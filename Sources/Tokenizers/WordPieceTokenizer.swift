/// BERT's tokenizer (bert-base-uncased, all-MiniLM-L6-v2, …): BertNormalizer, BertPreTokenizer,
/// WordPiece, and `[CLS] … [SEP]` around the text.
public final class WordPieceTokenizer: Tokenizer {
    let pipeline: TokenizerPipeline
    let model: WordPieceModel

    init(pipeline: TokenizerPipeline, model: WordPieceModel) {
        self.pipeline = pipeline
        self.model = model
    }

    public var vocabularySize: Int { pipeline.vocabulary.count }
    public var specialTokens: SpecialTokens { pipeline.specialTokens }

    public func encode(_ text: String, addSpecialTokens: Bool, maxLength: Int?) -> Encoding {
        pipeline.encode(text, addSpecialTokens: addSpecialTokens, maxLength: maxLength) { text, range, _, ids in
            BertPreTokenizer.forEachWord(in: text, range) { word in model.tokenize(text, word, into: &ids) }
        }
    }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool) throws(TokenizerError) -> String {
        try pipeline.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    public func id(of token: String) -> Int? { pipeline.vocabulary.ids[token] }
}
