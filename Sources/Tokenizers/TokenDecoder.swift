/// tokenizer.json `decoder`: token strings → text. As in the `tokenizers` library, each decoder
/// maps the token list to a new list (`chain`) and the text is the final list joined.
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
    /// Each decoder in turn, on the list the previous one gave.
    case sequence([TokenDecoder])
    /// Every occurrence of `pattern` in each token replaced by `content` (`▁` → space).
    case replace(pattern: [Unicode.Scalar], content: [Unicode.Scalar])
    /// Runs of `<0xNN>` tokens become the text of their bytes, or one U+FFFD per byte when the
    /// bytes are not UTF-8.
    case byteFallback
    /// All tokens joined into one.
    case fuse
    /// Up to `start` leading and `stop` trailing `content` scalars removed from each token.
    case strip(content: Unicode.Scalar, start: Int, stop: Int)

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
        case .metaspace, .sequence, .replace, .byteFallback, .fuse, .strip:
            return chain(tokens).joined()
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
        for (target, replacement) in replacements { text = LiteralReplacement.replacing(target, with: replacement, in: text[...]) }
        return text
    }
}
