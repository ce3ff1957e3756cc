extension TokenizerLoader {
    /// Every decoder type `decoder(_:)` reads, for its error message.
    static let decoderTypes = ["WordPiece", "ByteLevel", "Metaspace", "Sequence", "Replace", "ByteFallback", "Fuse", "Strip", "null"]

    /// The decoders of SentencePiece conversions: `Sequence`, `Replace` (a `String` pattern),
    /// `ByteFallback`, `Fuse`, `Strip`; nil for another type.
    static func sentencePieceDecoder(_ o: JSONObject) throws(TokenizerError) -> TokenDecoder? {
        switch try o.string("type") {
        case "Sequence":
            var steps: [TokenDecoder] = []
            for step in try o.objects("decoders") {
                // WordPiece's per-token output is not kept (`chain` gives its text as one token).
                if try step.string("type") == "WordPiece" {
                    throw .unsupportedType(path: step.path, field: step.name("type"), type: "WordPiece",
                                           supported: decoderTypes.filter { $0 != "WordPiece" && $0 != "null" }.map { $0 + " (in a Sequence)" })
                }
                steps.append(try decoder(step))
            }
            return .sequence(steps)
        case "Replace":
            let pattern = try o.object("pattern")
            guard let literal = try pattern.optionalString("String"), !literal.isEmpty else {
                throw .unsupportedSetting(path: o.path, field: pattern.field, value: pattern.value("Regex")?.text ?? "null",
                                          supported: "a {\"String\": …} pattern in a Replace decoder")
            }
            return .replace(pattern: Array(literal.unicodeScalars), content: Array(try o.string("content").unicodeScalars))
        case "ByteFallback":
            return .byteFallback
        case "Fuse":
            return .fuse
        case "Strip":
            let content = try o.string("content")
            guard content.unicodeScalars.count == 1, let scalar = content.unicodeScalars.first else {
                throw o.invalid("content", "one character")
            }
            return .strip(content: scalar, start: try o.int("start", default: 0), stop: try o.int("stop", default: 0))
        default:
            return nil
        }
    }
}
