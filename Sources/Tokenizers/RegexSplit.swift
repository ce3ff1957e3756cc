/// tokenizer.json's `Split` pre-tokenizer with `behavior: Isolated` and `invert: false`, as
/// Llama 3 and Qwen2 put it before a ByteLevel step without its own regex: every match of the
/// pattern is a piece, and so is every stretch of text between matches. The pattern is matched
/// scalar by scalar (not by grapheme), as the `tokenizers` library's regex engine does.
struct RegexSplit: @unchecked Sendable {
    // @unchecked: a compiled Regex is an immutable value; matching does not mutate it.
    /// The pattern, compiled to match scalar by scalar (`TokenizerLoader.regex`).
    let regex: Regex<AnyRegexOutput>

    /// Calls `body` with each piece of `text[range]`, in order; together they cover the range.
    func forEachPiece(in text: [Unicode.Scalar], _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text[range])
        let string = String(view), scalars = string.unicodeScalars
        var offset = range.lowerBound, index = scalars.startIndex
        for match in string.matches(of: regex) where !match.range.isEmpty {
            let start = offset + scalars.distance(from: index, to: match.range.lowerBound)
            let end = start + scalars.distance(from: match.range.lowerBound, to: match.range.upperBound)
            if start > offset { body(offset..<start) }
            body(start..<end)
            offset = end
            index = match.range.upperBound
        }
        if offset < range.upperBound { body(offset..<range.upperBound) }
    }
}
