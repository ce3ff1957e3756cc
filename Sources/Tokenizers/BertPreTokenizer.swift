/// tokenizer.json `"pre_tokenizer": {"type": "BertPreTokenizer"}`: words end at whitespace
/// (dropped) and at punctuation, each punctuation scalar being a word of its own.
enum BertPreTokenizer {
    /// Calls `body` with the range of each word of `text[range]`, in order.
    static func forEachWord(in text: [Unicode.Scalar], _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var start = range.lowerBound
        for i in range {
            let s = text[i]
            if s.isBertWhitespace {
                if start < i { body(start..<i) }
                start = i + 1
            } else if s.isBertPunctuation {
                if start < i { body(start..<i) }
                body(i..<(i + 1))
                start = i + 1
            }
        }
        if start < range.upperBound { body(start..<range.upperBound) }
    }
}
