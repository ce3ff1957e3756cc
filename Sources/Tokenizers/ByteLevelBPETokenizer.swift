/// GPT-2's tokenizer: the ByteLevel pre-tokenizer (GPT-2's regex, then UTF-8 bytes as printable
/// scalars) and BPE merges; Llama 3's and Qwen2's split with their own pattern first (`split`)
/// and turn ByteLevel's regex off. Adds no specials unless its post-processor says so.
public final class ByteLevelBPETokenizer: Tokenizer {
    let pipeline: TokenizerPipeline
    let model: BPEModel
    /// ByteLevel `add_prefix_space`: a piece of text not starting with a space gets one, so the
    /// first word is tokenized like the others.
    let addPrefixSpace: Bool
    /// ByteLevel `use_regex`: split with GPT-2's regex (else each piece is one word).
    let useRegex: Bool
    /// A `Split` pre-tokenizer before ByteLevel, or nil.
    let split: RegexSplit?

    init(pipeline: TokenizerPipeline, model: BPEModel, addPrefixSpace: Bool, useRegex: Bool, split: RegexSplit? = nil) {
        self.pipeline = pipeline
        self.model = model
        self.addPrefixSpace = addPrefixSpace
        self.useRegex = useRegex
        self.split = split
    }

    public var vocabularySize: Int { pipeline.vocabulary.count }
    public var specialTokens: SpecialTokens { pipeline.specialTokens }

    public func encode(_ text: String, addSpecialTokens: Bool, maxLength: Int?) -> Encoding {
        pipeline.encode(text, addSpecialTokens: addSpecialTokens, maxLength: maxLength) { text, range, _, ids in
            if range.isEmpty { return }
            if addPrefixSpace && text[range.lowerBound] != " " {
                let spaced = [" "] + text[range]
                encodeWords(spaced, spaced.indices, into: &ids)
            } else {
                encodeWords(text, range, into: &ids)
            }
        }
    }

    private func encodeWords(_ text: [Unicode.Scalar], _ range: Range<Int>, into ids: inout [Int]) {
        var bytes: [UInt8] = []
        func word(_ piece: Range<Int>) {
            bytes.removeAll(keepingCapacity: true)
            for s in text[piece] { bytes.append(contentsOf: s.utf8) }
            model.tokenize(bytes, into: &ids)
        }
        func byteLevel(_ piece: Range<Int>) {
            if useRegex {
                ByteLevelPreTokenizer.forEachPiece(in: text, piece, word)
            } else {
                word(piece)
            }
        }
        if let split {
            split.forEachPiece(in: text, range, byteLevel)
        } else {
            byteLevel(range)
        }
    }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool) throws(TokenizerError) -> String {
        try pipeline.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    public func id(of token: String) -> Int? { pipeline.vocabulary.ids[token] }
}
