/// The CLI text form of a recipe: `merge-lora,svd-lowrank{energy=0.9,select=blocks.*.mlp.{up,down}}`.
/// Steps are split at commas outside braces, brackets and quotes; each step's options are
/// `key=value` pairs; values are `true`/`false`, integers, decimals, `[a,b]` lists, `"quoted"`
/// strings, or bare strings (globs included).
public enum RecipeText {
    public static func parse(_ text: String) throws(PassError) -> Recipe {
        let source = "--recipe"
        var steps: [RecipeStep] = []
        for part in try split(text, source: source) {
            let trimmed = part.trimmingSpaces
            guard !trimmed.isEmpty else { throw .recipeSyntax(source: source, reason: "empty step in '\(text)'") }
            guard let open = trimmed.firstIndex(of: "{") else {
                guard isName(trimmed) else { throw .recipeSyntax(source: source, reason: "'\(trimmed)' is not a pass name") }
                steps.append(RecipeStep(pass: trimmed))
                continue
            }
            let name = String(trimmed[..<open]).trimmingSpaces
            guard trimmed.hasSuffix("}"), isName(name) else {
                throw .recipeSyntax(source: source, reason: "'\(trimmed)' must read name{key=value,...}")
            }
            let body = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            var options: [String: RecipeValue] = [:]
            for pair in try split(body, source: source) where !pair.trimmingSpaces.isEmpty {
                guard let eq = pair.firstIndex(of: "=") else {
                    throw .recipeSyntax(source: source, reason: "'\(pair.trimmingSpaces)' in \(name) must read key=value")
                }
                let key = String(pair[..<eq]).trimmingSpaces
                guard isName(key) else { throw .recipeSyntax(source: source, reason: "'\(key)' in \(name) is not an option name") }
                guard options[key] == nil else { throw .recipeSyntax(source: source, reason: "option '\(key)' given twice in \(name)") }
                options[key] = try value(String(pair[pair.index(after: eq)...]).trimmingSpaces, source: source)
            }
            steps.append(RecipeStep(pass: name, options: options))
        }
        return Recipe(steps: steps)
    }

    /// A bare or quoted value.
    static func value(_ text: String, source: String = "--recipe") throws(PassError) -> RecipeValue {
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 {
            var out = "", escaped = false
            for c in text.dropFirst().dropLast() {
                if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
            }
            return .string(out)
        }
        if text.hasPrefix("["), text.hasSuffix("]") {
            let inner = String(text.dropFirst().dropLast())
            if inner.trimmingSpaces.isEmpty { return .list([]) }
            var items: [RecipeValue] = []
            for item in try split(inner, source: source) { items.append(try value(item.trimmingSpaces, source: source)) }
            return .list(items)
        }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let i = Int(text) { return .int(i) }
        if let d = Double(text), text.contains(where: { $0.isNumber }) { return .double(d) }
        return .string(text)
    }

    /// True when a bare string reads back as itself: not a number, bool, list or quoted text,
    /// with balanced braces and no top-level `,` or `=`.
    static func readsBackRaw(_ s: String) -> Bool {
        guard !s.isEmpty, s == s.trimmingSpaces, !s.contains("\""), !s.contains("="),
              (try? value(s)) == .string(s), let parts = try? split(s, source: "") else { return false }
        return parts.count == 1
    }

    /// Splits at commas outside `{}`, `[]` and quotes.
    static func split(_ text: String, source: String) throws(PassError) -> [String] {
        var parts: [String] = [], current = "", depth = 0, quoted = false, escaped = false
        for c in text {
            if quoted {
                current.append(c)
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
                continue
            }
            switch c {
            case "\"": quoted = true
            case "{", "[": depth += 1
            case "}", "]":
                depth -= 1
                if depth < 0 { throw .recipeSyntax(source: source, reason: "unbalanced '\(c)' in '\(text)'") }
            case "," where depth == 0:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(c)
        }
        guard depth == 0, !quoted else { throw .recipeSyntax(source: source, reason: "unbalanced brackets or quotes in '\(text)'") }
        parts.append(current)
        return parts
    }

    private static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
