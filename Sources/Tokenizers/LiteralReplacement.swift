/// Rust's `str::replace` over scalars (or bytes): every non-overlapping occurrence of a non-empty
/// `target`, left to right, replaced.
enum LiteralReplacement {
    static func replacing<Element: Equatable>(_ target: [Element], with replacement: [Element],
                                              in text: ArraySlice<Element>) -> [Element] {
        guard let first = target.first, text.count >= target.count else { return Array(text) }
        var out: [Element] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            // The first element decides almost always; the whole target is compared only then.
            if text[i] == first, i + target.count <= text.endIndex, text[i..<(i + target.count)].elementsEqual(target) {
                out += replacement
                i += target.count
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }
}
