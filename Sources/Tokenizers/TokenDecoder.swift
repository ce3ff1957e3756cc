/// tokenizer.json `decoder`: token strings → text.
enum TokenDecoder: Sendable, Equatable {
    /// `##` pieces glued to the previous token, other tokens after a space; with `cleanup`, each
    /// token's ` .`, ` ?`, ` !`, ` ,`, ` ' `, ` n't`, ` 'm`, ` 's`, ` 've`, ` 're` lose the space and
    /// ` do not` becomes ` don't` (per token, as HF does: `don ' t` stays as it is).
    case wordPiece(prefix: String, cleanup: Bool)
    /// Each token's scalars mapped back to bytes (a token with a scalar outside the byte map,
    /// e.g. an added token, contributes its own UTF-8), then UTF-8 decoded with U+FFFD repair.
    case byteLevel
    /// SentencePiece words: tokens concatenated, ▁ back to a space, and with `stripLeading` the
    /// first token's leading space dropped (the one Metaspace prepended).
    case metaspace(replacement: Unicode.Scalar, stripLeading: Bool)
    /// No decoder: tokens joined with spaces.
    case none

    func decode(_ tokens: [String]) -> String {
        switch self {
        case let .wordPiece(prefix, cleanup):
            var bytes: [UInt8] = []
            let prefixBytes = Array(prefix.utf8)
            for (i, token) in tokens.enumerated() {
                var piece = Array(token.utf8)
                if i > 0 {
                    if piece.starts(with: prefixBytes) {
                        piece.removeFirst(prefixBytes.count)
                    } else {
                        piece.insert(0x20, at: 0)
                    }
                }
                if cleanup { piece = Self.cleanup(piece) }
                bytes += piece
            }
            return String(decoding: bytes, as: UTF8.self)
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                let mapped = token.unicodeScalars.map(ByteLevel.byte(for:))
                if mapped.allSatisfy({ $0 != nil }) {
                    bytes += mapped.map { $0! }
                } else {
                    bytes += token.utf8
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        case let .metaspace(replacement, stripLeading):
            var text = ""
            for (i, token) in tokens.enumerated() {
                var piece = String(String.UnicodeScalarView(token.unicodeScalars.map { $0 == replacement ? " " : $0 }))
                if i == 0, stripLeading, piece.hasPrefix(" ") { piece.removeFirst() }
                text += piece
            }
            return text
        case .none:
            return tokens.joined(separator: " ")
        }
    }

    /// HF's `cleanup`, as literal byte replacements in this order.
    private static let replacements: [([UInt8], [UInt8])] = ([
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
        (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ] as [(String, String)]).map { (Array($0.0.utf8), Array($0.1.utf8)) }

    private static func cleanup(_ text: [UInt8]) -> [UInt8] {
        var text = text
        for (target, replacement) in replacements { text = replacing(target, with: replacement, in: text) }
        return text
    }

    /// Every non-overlapping occurrence of `target`, left to right, replaced (Rust `str::replace`).
    private static func replacing(_ target: [UInt8], with replacement: [UInt8], in text: [UInt8]) -> [UInt8] {
        guard text.count >= target.count else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        let first = target[0]
        while i < text.count {
            // The first byte decides almost always; the whole target is compared only then.
            if text[i] == first, i + target.count <= text.count, text[i..<(i + target.count)].elementsEqual(target) {
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
