/// The `Metaspace` pre-tokenizer (SentencePiece's word marking, T5's tokenizer): every space
/// becomes `replacement` (▁), the text gets a leading ▁ unless it has one (`prepend_scheme`
/// always; `first` likewise for the text's first piece; `never` not), and with `split` each ▁
/// starts a new word (merged with what follows it).
struct Metaspace: Sendable, Equatable {
    enum PrependScheme: String, Sendable { case always, first, never }

    var replacement: Unicode.Scalar = "▁"
    var prependScheme: PrependScheme = .always
    var split = true

    /// Calls `body` with each word of `text[range]`, spaces already replaced; `isFirst` says
    /// whether the range starts the text (for `prepend_scheme` first).
    func forEachWord(in text: [Unicode.Scalar], _ range: Range<Int>, isFirst: Bool, _ body: ([Unicode.Scalar]) -> Void) {
        var marked = text[range].map { $0 == " " ? replacement : $0 }
        let prepend = prependScheme == .always || (prependScheme == .first && isFirst)
        if prepend, marked.first != replacement { marked.insert(replacement, at: 0) }
        guard split else { body(marked); return }
        var word: [Unicode.Scalar] = []
        for s in marked {
            if s == replacement, !word.isEmpty {
                body(word)
                word.removeAll(keepingCapacity: true)
            }
            word.append(s)
        }
        if !word.isEmpty { body(word) }
    }
}
