import Foundation

/// tokenizer.json `"normalizer": {"type": "BertNormalizer", …}`, applied in HF's order:
/// clean text, pad CJK ideographs, strip accents, lowercase.
struct BertNormalizer: Sendable, Equatable {
    /// Drop `\0`, U+FFFD and control characters; map whitespace to a space.
    var cleanText = true
    /// Put a space on each side of every CJK ideograph, so each becomes a word.
    var handleChineseChars = true
    /// NFD, then drop non-spacing marks. tokenizer.json's `null` means "same as `lowercase`".
    var stripAccents = true
    /// Full Unicode lowercase mapping, scalar by scalar (Rust `char::to_lowercase`).
    var lowercase = true

    /// The normalized scalars of `text[range]`.
    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(range.count + 8)
        var allBelowC0 = true  // text below U+00C0 is its own NFD and has no marks
        for s in text[range] {
            if cleanText {
                if s.value == 0 || s.value == 0xFFFD || s.isBertControl { continue }
                if s.isBertWhitespace { out.append(" "); continue }
            }
            if s.value >= 0xC0 { allBelowC0 = false }
            if handleChineseChars && s.isCJKIdeograph {
                out.append(" ")
                out.append(s)
                out.append(" ")
                continue
            }
            out.append(s)
        }
        if stripAccents && !allBelowC0 {
            out = Self.canonicalDecomposition(out).filter { !$0.isBertAccent }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(out.count)
            for s in out {
                if s.value < 0x80 {
                    lowered.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(s.value + 0x20)! : s)
                } else if s.properties.changesWhenLowercased {
                    lowered.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
                } else {
                    lowered.append(s)
                }
            }
            out = lowered
        }
        return out
    }

    /// NFD of a scalar sequence (decomposition and canonical reordering).
    static func canonicalDecomposition(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return Array(String(view).decomposedStringWithCanonicalMapping.unicodeScalars)
    }
}
