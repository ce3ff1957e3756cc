/// Spellings of Swift property names as JSON keys.
public enum JSONKeyCase {
    /// `compressionRatio` → `compression_ratio`, `int8GEMM` → `int8_g_e_m_m`: every capital
    /// starts a word (the report's keys, `schemas/report.schema.json`).
    @Sendable public static func snakeCasePerCapital(_ key: String) -> String {
        var out = ""
        for c in key {
            if c.isUppercase {
                if !out.isEmpty { out += "_" }
                out += c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// `achievedGFLOPs` → `achieved_gflo_ps`, `int8GEMM` → `int8_gemm`, `myURLValue` →
    /// `my_url_value`: a run of capitals is one word, except the capital before a lower-case
    /// letter, which starts the next (Foundation's `.convertToSnakeCase`, used by `--json`).
    @Sendable public static func snakeCaseGroupingCapitals(_ key: String) -> String {
        let chars = Array(key)
        guard !chars.isEmpty else { return key }
        var words: [Range<Int>] = []
        var wordStart = 0
        var searchStart = 1
        while let upper = (searchStart..<chars.count).first(where: { chars[$0].isUppercase }) {
            words.append(wordStart..<upper)
            guard let lower = (upper..<chars.count).first(where: { chars[$0].isLowercase }) else {
                wordStart = upper
                searchStart = chars.count
                break
            }
            if lower == upper + 1 {
                wordStart = upper
            } else {
                words.append(upper..<lower - 1)
                wordStart = lower - 1
            }
            searchStart = lower + 1
        }
        words.append(wordStart..<chars.count)
        return words.map { String(chars[$0]).lowercased() }.joined(separator: "_")
    }
}

extension JSONValue {
    /// The value as one line of JSON in member order, for messages: `0.1`, `"x"`, `[1,2]`.
    public var text: String {
        (try? JSONWriter.string(self, style: .init(sortedKeys: false))) ?? "\(self)"
    }
}
