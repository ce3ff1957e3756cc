extension TokenDecoder {
    /// The token list after this decoder (`decode_chain`); `decode` joins it. WordPiece and
    /// ByteLevel give their whole text as one token.
    func chain(_ tokens: [String]) -> [String] {
        switch self {
        case .wordPiece, .byteLevel:
            return [decode(tokens)]
        case .none:
            return tokens
        case let .metaspace(replacement, stripLeading):
            return tokens.enumerated().map { i, token in
                var scalars = token.unicodeScalars.map { $0 == replacement ? " " : $0 }
                if i == 0, stripLeading, scalars.first == " " { scalars.removeFirst() }
                return Self.string(scalars)
            }
        case let .sequence(steps):
            return steps.reduce(tokens) { list, step in step.chain(list) }
        case let .replace(pattern, content):
            return tokens.map { Self.string(LiteralReplacement.replacing(pattern, with: content, in: Array($0.unicodeScalars)[...])) }
        case .byteFallback:
            return Self.fallingBack(tokens)
        case .fuse:
            return [tokens.joined()]
        case let .strip(content, start, stop):
            return tokens.map { token in
                let scalars = Array(token.unicodeScalars)
                var lower = 0
                while lower < min(start, scalars.count), scalars[lower] == content { lower += 1 }
                var upper = scalars.count
                while scalars.count - upper < stop, upper > lower, scalars[upper - 1] == content { upper -= 1 }
                return Self.string(scalars[lower..<upper])
            }
        }
    }

    /// ByteFallback's list: each run of byte tokens replaced by its text.
    private static func fallingBack(_ tokens: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(tokens.count)
        var bytes: [UInt8] = []
        func flush() {
            guard !bytes.isEmpty else { return }
            if let text = String(validating: bytes, as: UTF8.self) {
                out.append(text)
            } else {
                out += Array(repeating: "\u{FFFD}", count: bytes.count)
            }
            bytes.removeAll(keepingCapacity: true)
        }
        for token in tokens {
            if let byte = byte(of: token) {
                bytes.append(byte)
            } else {
                flush()
                out.append(token)
            }
        }
        flush()
        return out
    }

    /// The byte of a `<0xNN>` token (six UTF-8 bytes, NN hex in either case), nil for another token.
    static func byte(of token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, utf8[0] == 0x3C, utf8[1] == 0x30, utf8[2] == 0x78, utf8[5] == 0x3E,
              let high = hexDigit(utf8[3]), let low = hexDigit(utf8[4]) else { return nil }
        return high << 4 | low
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    private static func string<S: Sequence<Unicode.Scalar>>(_ scalars: S) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
