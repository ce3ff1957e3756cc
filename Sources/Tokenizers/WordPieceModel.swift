/// tokenizer.json `"model": {"type": "WordPiece", …}`: greedy longest-match-first over each word.
///
/// A word longer than `maxInputCharsPerWord` scalars, or one with a part no vocabulary entry
/// matches, becomes `[unkId]` whole. Pieces after the first are looked up with the
/// continuing-subword prefix (`##`).
struct WordPieceModel: Sendable {
    /// Every vocabulary entry, for the first piece of a word.
    private var wordStarts = ScalarTrie()
    /// The entries that start with the prefix, prefix removed, for the following pieces.
    private var continuations = ScalarTrie()
    let unkId: Int
    let maxInputCharsPerWord: Int

    init(vocabulary: [String: Int], unkId: Int, continuingSubwordPrefix: String, maxInputCharsPerWord: Int) {
        let prefix = continuingSubwordPrefix.unicodeScalars
        for (token, id) in vocabulary {
            let scalars = token.unicodeScalars
            wordStarts.insert(scalars[...], id: id)
            if scalars.starts(with: prefix) {
                continuations.insert(scalars.dropFirst(prefix.count), id: id)
            }
        }
        self.unkId = unkId
        self.maxInputCharsPerWord = maxInputCharsPerWord
    }

    /// Appends the ids of the word `text[range]` to `ids`.
    func tokenize(_ text: [Unicode.Scalar], _ range: Range<Int>, into ids: inout [Int]) {
        if range.count > maxInputCharsPerWord {
            ids.append(unkId)
            return
        }
        let first = ids.count
        var start = range.lowerBound
        while start < range.upperBound {
            let trie = start == range.lowerBound ? wordStarts : continuations
            guard let (id, end) = trie.longestPrefix(of: text, from: start, to: range.upperBound) else {
                ids.removeSubrange(first...)
                ids.append(unkId)
                return
            }
            ids.append(id)
            start = end
        }
    }
}
