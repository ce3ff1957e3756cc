/// `"normalizer": {"type": "Prepend", "prepend": "▁"}` (transformers' legacy Llama conversion):
/// `prepend` put before a non-empty text.
struct PrependNormalizer: TextNormalizer {
    let prepend: [Unicode.Scalar]

    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar] {
        range.isEmpty ? [] : prepend + text[range]
    }
}

/// `"normalizer": {"type": "Lowercase"}`: each scalar's full Unicode lower-case mapping, one scalar
/// at a time (Rust's `char::to_lowercase`: `İ` → `i̇`, a final `Σ` stays `σ`).
struct LowercaseNormalizer: TextNormalizer {
    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(range.count)
        for s in text[range] {
            if s.isASCII {
                out.append(s.properties.isUppercase ? Unicode.Scalar(s.value + 32)! : s)
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }
}

/// `"normalizer": {"type": "Nmt"}` (SentencePiece's `nmt_nfkc` minus NFKC, as
/// `SentencePieceUnigramTokenizer` starts its normalizer): the ASCII control characters U+0001–0008,
/// U+000B, U+000E–001F, U+007F and U+008F, U+009F removed; tab, LF, FF, CR, U+1680, U+200B–200F,
/// U+2028, U+2029, ▁ (U+2581), U+FEFF and U+FFFD become a space.
struct NmtNormalizer: TextNormalizer {
    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(range.count)
        for s in text[range] {
            switch s.value {
            case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x8F, 0x9F:
                continue
            case 0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B...0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD:
                out.append(" ")
            default:
                out.append(s)
            }
        }
        return out
    }
}
