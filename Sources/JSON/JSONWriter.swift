/// The one JSON writer: deterministic bytes for a `JSONValue` under a fixed `Style`.
///
/// Every style writes non-ASCII as raw UTF-8, never escapes `/`, and escapes `"`, `\` and the
/// control characters U+0000…U+001F (`\n`, `\r`, `\t` short, the rest `\u00xx`, lower-case hex).
public struct JSONWriter {
    /// How a document is laid out; the presets reproduce the files Pare has always written.
    public struct Style: Sendable {
        /// Members in UTF-8 key order (`JSONValue.keyPrecedes`) instead of their stored order.
        public var sortedKeys: Bool
        /// The indentation step; nil writes everything on one line without spaces.
        public var indent: String?
        /// Between a key and its value when indented: `": "` or `" : "`.
        public var colon: String
        /// An empty array or object when indented: `[]` (false) or `[`, a blank line, `]` (true).
        public var blankLineInEmpty: Bool
        /// `\b` and `\f` as short escapes (true) or as `\u0008`, `\u000c` (false).
        public var shortBackspaceAndFormFeed: Bool
        /// A Double's spelling; nil when it has none (the writer then throws `.unencodable`).
        public var double: @Sendable (Double) -> String?

        public init(sortedKeys: Bool, indent: String? = nil, colon: String = ": ", blankLineInEmpty: Bool = false,
                    shortBackspaceAndFormFeed: Bool = false, double: @escaping @Sendable (Double) -> String? = JSONWriter.shortest) {
            self.sortedKeys = sortedKeys
            self.indent = indent
            self.colon = colon
            self.blankLineInEmpty = blankLineInEmpty
            self.shortBackspaceAndFormFeed = shortBackspaceAndFormFeed
            self.double = double
        }

        /// One line, sorted keys, shortest round-trip numbers: the `.pare` manifest (the bytes
        /// Foundation's JSONEncoder wrote with `.sortedKeys, .withoutEscapingSlashes`).
        public static let compactSorted = Style(sortedKeys: true, shortBackspaceAndFormFeed: true)
        /// Two-space indentation, `"key" : value`, sorted keys: exported `config.json` (Foundation's
        /// `.prettyPrinted` layout).
        public static let prettySorted = Style(sortedKeys: true, indent: "  ", colon: " : ", blankLineInEmpty: true,
                                               shortBackspaceAndFormFeed: true)
    }

    /// A finite Double as its shortest round-trip text, without a trailing `.0`: `0.1`, `2`,
    /// `1e-05`, `1e+16`; nil for NaN and ±∞.
    @Sendable public static func shortest(_ d: Double) -> String? {
        guard d.isFinite else { return nil }
        let text = d.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    let style: Style
    var out: [UInt8] = []
    var path: [JSONPath.Component] = []

    /// `value` written in `style`.
    public static func bytes(_ value: JSONValue, style: Style) throws(JSONError) -> [UInt8] {
        var writer = JSONWriter(style: style)
        try writer.write(value, indent: "")
        return writer.out
    }

    /// `value` written in `style`, as text.
    public static func string(_ value: JSONValue, style: Style) throws(JSONError) -> String {
        String(decoding: try bytes(value, style: style), as: UTF8.self)
    }

    init(style: Style) { self.style = style }

    private mutating func write(_ value: JSONValue, indent: String) throws(JSONError) {
        switch value {
        case .null: out += Array("null".utf8)
        case let .bool(b): out += Array((b ? "true" : "false").utf8)
        case let .int(i): out += Array(String(i).utf8)
        case let .double(d):
            guard let text = style.double(d) else {
                throw .unencodable(path: JSONPath(path), value: "\(d)")
            }
            out += Array(text.utf8)
        case let .string(s): Self.appendString(s, to: &out, shortBackspaceAndFormFeed: style.shortBackspaceAndFormFeed)
        case let .array(items):
            try writeContainer(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), count: items.count, indent: indent) { (w, i, inner) throws(JSONError) in
                w.path.append(.index(i))
                try w.write(items[i], indent: inner)
                w.path.removeLast()
            }
        case let .object(members):
            let ordered = style.sortedKeys ? members.sorted { JSONValue.keyPrecedes($0.key, $1.key) } : members
            try writeContainer(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), count: ordered.count, indent: indent) { (w, i, inner) throws(JSONError) in
                Self.appendString(ordered[i].key, to: &w.out, shortBackspaceAndFormFeed: w.style.shortBackspaceAndFormFeed)
                w.out += Array((w.style.indent == nil ? ":" : w.style.colon).utf8)
                w.path.append(.key(ordered[i].key))
                try w.write(ordered[i].value, indent: inner)
                w.path.removeLast()
            }
        }
    }

    /// `open`, the `count` elements written by `element` (separated, indented), `close`.
    private mutating func writeContainer(open: UInt8, close: UInt8, count: Int, indent: String,
                                         element: (inout JSONWriter, Int, String) throws(JSONError) -> Void) throws(JSONError) {
        out.append(open)
        guard let step = style.indent else {
            for i in 0..<count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try element(&self, i, indent)
            }
            out.append(close)
            return
        }
        guard count > 0 else {
            if style.blankLineInEmpty { out += Array(("\n\n" + indent).utf8) }
            out.append(close)
            return
        }
        let inner = indent + step
        for i in 0..<count {
            out += Array(((i == 0 ? "\n" : ",\n") + inner).utf8)
            try element(&self, i, inner)
        }
        out += Array(("\n" + indent).utf8)
        out.append(close)
    }
}

extension JSONWriter {
    /// `s` as a JSON string literal appended to `out` (see the type for what is escaped).
    public static func appendString(_ s: String, to out: inout [UInt8], shortBackspaceAndFormFeed: Bool = false) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x08 where shortBackspaceAndFormFeed: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C where shortBackspaceAndFormFeed: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `s` as a JSON string literal: `"a\"b"`.
    public static func quoted(_ s: String, shortBackspaceAndFormFeed: Bool = false) -> String {
        var out: [UInt8] = []
        appendString(s, to: &out, shortBackspaceAndFormFeed: shortBackspaceAndFormFeed)
        return String(decoding: out, as: UTF8.self)
    }

    /// `[1,2,3]` appended to `out`.
    public static func appendInts(_ values: [Int], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(String(v).utf8)
        }
        out.append(UInt8(ascii: "]"))
    }
}
