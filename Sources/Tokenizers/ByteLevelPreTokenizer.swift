/// tokenizer.json `"pre_tokenizer": {"type": "ByteLevel", …}`: GPT-2's split of a text into words,
/// the regex `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// matched left to right, written out by hand over scalars.
enum ByteLevelPreTokenizer {
    /// Calls `body` with the range of each piece of `text[range]`, in order; the pieces cover it.
    static func forEachPiece(in text: [Unicode.Scalar], _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        let end = range.upperBound
        var i = range.lowerBound
        while i < end {
            let pieceEnd = matchEnd(text, i, end)
            body(i..<pieceEnd)
            i = pieceEnd
        }
    }

    /// Where the regex's match starting at `i` ends (always after `i`).
    private static func matchEnd(_ text: [Unicode.Scalar], _ i: Int, _ end: Int) -> Int {
        let c = text[i]
        // 's|'t|'re|'ve|'m|'ll|'d
        if c == "'" && i + 1 < end {
            switch text[i + 1] {
            case "s", "t", "m", "d": return i + 2
            case "r", "v": if i + 2 < end && text[i + 2] == "e" { return i + 3 }
            case "l": if i + 2 < end && text[i + 2] == "l" { return i + 3 }
            default: break
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
        var runStart = i
        if c == " " && i + 1 < end && text[i + 1].byteLevelClass != .whitespace { runStart = i + 1 }
        let runClass = text[runStart].byteLevelClass
        if runClass != .whitespace {
            var j = runStart + 1
            while j < end && text[j].byteLevelClass == runClass { j += 1 }
            return j
        }
        // `\s+(?!\S)`: a whitespace run not followed by a non-space, which means leaving the
        // run's last scalar to the next word when one follows; else `\s+`.
        var j = i + 1
        while j < end && text[j].byteLevelClass == .whitespace { j += 1 }
        if j < end && j - i >= 2 { return j - 1 }
        return j
    }
}
