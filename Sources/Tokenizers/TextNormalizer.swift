import Foundation

/// A tokenizer.json `normalizer`: the scalars of `text[range]` after normalization.
protocol TextNormalizer: Sendable {
    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar]
}

extension BertNormalizer: TextNormalizer {}

/// `"normalizer": {"type": "NFC"}` (Qwen2's tokenizer): Unicode canonical composition.
struct NFCNormalizer: TextNormalizer {
    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text[range])
        return Array(String(view).precomposedStringWithCanonicalMapping.unicodeScalars)
    }
}

/// `"normalizer": {"type": "NFKC"}` (SentencePiece's default `nmt_nfkc` minus its extras):
/// Unicode compatibility composition.
struct NFKCNormalizer: TextNormalizer {
    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text[range])
        return Array(String(view).precomposedStringWithCompatibilityMapping.unicodeScalars)
    }
}

/// `"normalizer": {"type": "Replace", "pattern": {"Regex" | "String": …}, "content": …}`: every
/// non-overlapping match, left to right, replaced by `content` (matched scalar by scalar). A
/// `String` pattern (`literal`) is replaced without the regex engine, which is many times slower.
struct ReplaceNormalizer: TextNormalizer, @unchecked Sendable {
    // @unchecked: a compiled Regex is an immutable value.
    let regex: Regex<AnyRegexOutput>
    let content: String
    /// The scalars of a `String` pattern, nil for a `Regex`.
    var literal: [Unicode.Scalar]? = nil

    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar] {
        if let literal, !literal.isEmpty {
            return LiteralReplacement.replacing(literal, with: Array(content.unicodeScalars), in: text[range])
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text[range])
        return Array(String(view).replacing(regex, with: content).unicodeScalars)
    }
}

/// `"normalizer": {"type": "Sequence", "normalizers": […]}`: each in turn.
struct SequenceNormalizer: TextNormalizer {
    let steps: [any TextNormalizer]

    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar] {
        var current = Array(text[range])
        for step in steps { current = step.normalize(current, current.indices) }
        return current
    }
}
