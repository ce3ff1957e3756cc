/// What the two tokenizers share: HF's steps around the model. `encode` finds the raw added
/// tokens, normalizes the text between them, finds the normalized added tokens, hands each
/// remaining piece to the model (which pre-tokenizes it), then truncates and adds the specials.
struct TokenizerPipeline: Sendable {
    let vocabulary: Vocabulary
    /// Added tokens with `normalized: false`, matched in the raw text.
    let rawAddedTokens: AddedTokenMatcher
    /// Added tokens with `normalized: true`, matched in the normalized text.
    let normalizedAddedTokens: AddedTokenMatcher
    let normalizer: (any TextNormalizer)?
    let postProcessor: PostProcessor
    let decoder: TokenDecoder
    let specialTokens: SpecialTokens
    /// The ids of the added tokens marked `special`.
    let specialIds: Set<Int>

    init(vocabulary: Vocabulary, addedTokens: [AddedToken], normalizer: (any TextNormalizer)?,
         postProcessor: PostProcessor, decoder: TokenDecoder, specialTokens: SpecialTokens) {
        self.vocabulary = vocabulary
        self.rawAddedTokens = AddedTokenMatcher(addedTokens.filter { !$0.normalized })
        self.normalizedAddedTokens = AddedTokenMatcher(addedTokens.filter(\.normalized))
        self.normalizer = normalizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.specialTokens = specialTokens
        self.specialIds = Set(addedTokens.filter(\.special).map(\.id))
    }

    /// `model(text, range, startsText, &ids)` appends the ids of the normalized piece
    /// `text[range]`; `startsText` says whether the piece begins at the start of the original text
    /// (Metaspace's `prepend_scheme: first` asks for its offset 0).
    func encode(_ text: String, addSpecialTokens: Bool, maxLength: Int?,
                model: ([Unicode.Scalar], Range<Int>, Bool, inout [Int]) -> Void) -> Encoding {
        let scalars = Array(text.unicodeScalars)
        var ids: [Int] = []
        ids.reserveCapacity(scalars.count / 3 + 2)
        for segment in rawAddedTokens.split(scalars, scalars.indices) {
            switch segment {
            case let .token(id):
                ids.append(id)
            case let .text(range):
                let startsText = range.lowerBound == 0
                guard let normalizer else {
                    encodeNormalized(scalars, range, startsText: startsText, into: &ids, model: model)
                    continue
                }
                let normalized = normalizer.normalize(scalars, range)
                encodeNormalized(normalized, normalized.indices, startsText: startsText, into: &ids, model: model)
            }
        }
        return postProcessor.encoding(of: ids, addSpecialTokens: addSpecialTokens, maxLength: maxLength)
    }

    private func encodeNormalized(_ text: [Unicode.Scalar], _ range: Range<Int>, startsText: Bool, into ids: inout [Int],
                                  model: ([Unicode.Scalar], Range<Int>, Bool, inout [Int]) -> Void) {
        for segment in normalizedAddedTokens.split(text, range) {
            switch segment {
            case let .token(id): ids.append(id)
            case let .text(piece): model(text, piece, startsText && piece.lowerBound == range.lowerBound, &ids)
            }
        }
    }

    /// The text of `ids` through the decoder; with `skipSpecialTokens` the added tokens marked
    /// `special` are left out first (HF `decode(ids, skip_special_tokens=True)`).
    func decode(_ ids: [Int], skipSpecialTokens: Bool = false) throws(TokenizerError) -> String {
        let kept = skipSpecialTokens ? ids.filter { !specialIds.contains($0) } : ids
        return decoder.decode(try vocabulary.tokens(of: kept))
    }
}
