/// YAML anchors (`&name`) and aliases (`*name`) are refused in recipe files before the YAML is
/// composed: Yams checks a mapping's keys for duplicates by hashing them whole, so one alias of
/// a deeply nested anchor used as a key costs time exponential in the nesting (a 450-byte
/// recipe took over a minute, found by `make fuzz`). A recipe is a short list of steps and
/// never needs them.
extension RecipeLoader {
    /// The 1-based line of the first `&` or `*` that starts a YAML node, nil when there is none.
    ///
    /// A node starts at the beginning of a line's content or after one of `: - ? [ { ,` (and
    /// blanks); quoted scalars (`"…"` with `\` escapes, `'…'` with `''`), also across lines, and
    /// comments are skipped. Conservative: a block scalar line beginning with `&` or `*` counts too.
    static func firstAnchorOrAlias(in text: String) -> Int? {
        enum Quote { case none, double, single }
        var quote = Quote.none, line = 1, atNodeStart = true, escaped = false
        var previous: Character = "\n"
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            defer { previous = c }
            if c == "\n" { line += 1 }
            switch quote {
            case .double:
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { quote = .none; atNodeStart = false }
                continue
            case .single:
                // '' inside single quotes is an escaped quote: the second ' reopens the string.
                if c == "'" { quote = .none; atNodeStart = false }
                continue
            case .none:
                break
            }
            if c == "\n" { atNodeStart = true; continue }
            if c == " " || c == "\t" { continue }
            if c == "#" && (previous == " " || previous == "\t" || previous == "\n") {
                while let next = iterator.next(), next != "\n" {}
                line += 1
                atNodeStart = true
                continue
            }
            if atNodeStart && (c == "&" || c == "*") { return line }
            if atNodeStart && c == "\"" { quote = .double; continue }
            if atNodeStart && c == "'" { quote = .single; continue }
            atNodeStart = ":-?[{,".contains(c)
        }
        return nil
    }
}
