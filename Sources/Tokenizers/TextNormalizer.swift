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
