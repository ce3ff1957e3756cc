/// Finds added tokens in a text the way HF's AddedVocabulary does: Aho–Corasick leftmost-longest
/// matches, scanned left to right without overlap, then the `single_word`, `lstrip` and `rstrip`
/// rules applied to each match.
struct AddedTokenMatcher: Sendable {
    private let tokens: [(scalars: [Unicode.Scalar], token: AddedToken)]
    /// Indices into `tokens` by first scalar.
    private let byFirstScalar: [Unicode.Scalar: [Int]]

    init(_ tokens: [AddedToken]) {
        let list = tokens.filter { !$0.content.isEmpty }.map { (scalars: Array($0.content.unicodeScalars), token: $0) }
        var index: [Unicode.Scalar: [Int]] = [:]
        for (i, entry) in list.enumerated() { index[entry.scalars[0], default: []].append(i) }
        self.tokens = list
        self.byFirstScalar = index
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// `text[range]` cut into text pieces and added-token ids, in order; empty pieces are left out.
    func split(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [TextSegment] {
        if tokens.isEmpty { return range.isEmpty ? [] : [.text(range)] }
        var segments: [TextSegment] = []
        var offset = range.lowerBound  // end of the last accepted match
        var position = range.lowerBound
        while let (start, end, token) = firstMatch(in: text, from: position, to: range.upperBound) {
            position = end
            if token.singleWord {
                let wordBefore = start > range.lowerBound && text[start - 1].isWordCharacter
                let wordAfter = end < range.upperBound && text[end].isWordCharacter
                if wordBefore || wordAfter { continue }
            }
            var matchStart = start
            var matchEnd = end
            if token.lstrip {
                while matchStart > offset && text[matchStart - 1].isBertWhitespace { matchStart -= 1 }
            }
            if token.rstrip {
                while matchEnd < range.upperBound && text[matchEnd].isBertWhitespace { matchEnd += 1 }
                position = matchEnd
            }
            if matchStart > offset { segments.append(.text(offset..<matchStart)) }
            segments.append(.token(token.id))
            offset = matchEnd
        }
        if offset < range.upperBound { segments.append(.text(offset..<range.upperBound)) }
        return segments
    }

    /// The leftmost match at or after `from`, the longest of those starting there.
    private func firstMatch(in text: [Unicode.Scalar], from: Int, to end: Int) -> (Int, Int, AddedToken)? {
        var i = from
        while i < end {
            if let candidates = byFirstScalar[text[i]] {
                var best: (length: Int, token: AddedToken)?
                for c in candidates {
                    let scalars = tokens[c].scalars
                    guard scalars.count <= end - i, scalars.count > (best?.length ?? 0) else { continue }
                    var k = 1
                    while k < scalars.count && text[i + k] == scalars[k] { k += 1 }
                    if k == scalars.count { best = (scalars.count, tokens[c].token) }
                }
                if let best { return (i, i + best.length, best.token) }
            }
            i += 1
        }
        return nil
    }
}

/// A piece of text after the added tokens were found in it.
enum TextSegment: Equatable {
    /// Scalars `range` of the text, for the normalizer / pre-tokenizer / model.
    case text(Range<Int>)
    /// An added token's id.
    case token(Int)
}
