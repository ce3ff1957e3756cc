extension TokenizerLoader {
    /// Every normalizer type `normalizer(_:)` reads, for its error message.
    static let normalizerTypes = ["BertNormalizer", "NFC", "NFKC", "Precompiled", "Strip", "Replace", "Prepend", "Nmt",
                                  "Lowercase", "Sequence", "null"]

    /// The normalizers of SentencePiece conversions: `Prepend`, `Nmt`, `Lowercase`; nil for another type.
    static func sentencePieceNormalizer(_ o: JSONObject) throws(TokenizerError) -> (any TextNormalizer)? {
        switch try o.string("type") {
        case "Prepend": return PrependNormalizer(prepend: Array(try o.string("prepend").unicodeScalars))
        case "Nmt": return NmtNormalizer()
        case "Lowercase": return LowercaseNormalizer()
        default: return nil
        }
    }

    /// `Replace`, with a `String` pattern kept as a literal.
    static func replaceNormalizer(_ o: JSONObject) throws(TokenizerError) -> ReplaceNormalizer {
        let pattern = try o.object("pattern")
        let literal = try pattern.optionalString("String").map { Array($0.unicodeScalars) }
        return ReplaceNormalizer(regex: try regex(pattern), content: try o.string("content"), literal: literal)
    }
}
