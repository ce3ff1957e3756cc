/// Strict RFC 8259 parser over UTF-8 bytes (already validated as UTF-8 by the caller).
///
/// Checked: grammar, string escapes (including surrogate pairs), control characters inside
/// strings, nesting depth ≤ `maxDepth`, nothing but whitespace after the top-level value.
/// A failure is reported as the byte offset where parsing stopped.
struct JSONParser {
    /// Deep enough for any header or index (they nest 3 levels); bounds the recursion.
    static let maxDepth = 64

    struct Failure: Error, Equatable {
        /// Byte offset into the parsed buffer.
        let offset: Int
    }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    /// Parses one JSON document occupying all of `bytes` (surrounding whitespace allowed).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw Failure(offset: parser.position) }
        return value
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private var failure: Failure { Failure(offset: position) }

    private mutating func skipWhitespace() {
        while let b = current, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 }
    }

    private mutating func expect(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw failure }
        for i in 0..<count where bytes[position + i] != literal.utf8Start[i] {
            position += i
            throw failure
        }
        position += count
    }

    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard depth < JSONParser.maxDepth, let b = current else { throw failure }
        switch b {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure
        }
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
        position += 1  // {
        var members: [JSONMember] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure }
            let key = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure }
            position += 1
            skipWhitespace()
            members.append(JSONMember(key: key, value: try parseValue(depth: depth + 1)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            default: throw failure
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw failure
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; `.int` when integral and within `Int`.
    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let negative = current == UInt8(ascii: "-")
        if negative { position += 1 }
        guard let first = current, isDigit(first) else { throw failure }
        var magnitude: Int? = 0  // nil once it overflows; accumulated negatively to reach Int.min
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            while let d = current, isDigit(d) {
                if let m = magnitude {
                    let (times10, o1) = m.multipliedReportingOverflow(by: 10)
                    let (next, o2) = times10.subtractingReportingOverflow(Int(d - UInt8(ascii: "0")))
                    magnitude = o1 || o2 ? nil : next
                }
                position += 1
            }
        }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            position += 1
            try digits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try digits()
        }
        guard integral, let m = magnitude else { return .otherNumber }
        if negative { return .int(m) }
        return m == Int.min ? .otherNumber : .int(-m)
    }

    private mutating func digits() throws(Failure) {
        guard let d = current, isDigit(d) else { throw failure }
        while let d = current, isDigit(d) { position += 1 }
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func parseString() throws(Failure) -> String {
        position += 1  // "
        var utf8: [UInt8] = []
        while true {
            guard let b = current else { throw failure }
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw failure
            default:
                utf8.append(b)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(Failure) {
        guard let e = current else { throw failure }
        position += 1
        let simple: UInt8? = switch e {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case UInt8(ascii: "/"): UInt8(ascii: "/")
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            utf8.append(simple)
            return
        }
        guard e == UInt8(ascii: "u") else {
            position -= 1
            throw failure
        }
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
            // A high surrogate must be followed by `\u` and a low surrogate.
            guard current == UInt8(ascii: "\\") else { throw failure }
            position += 1
            guard current == UInt8(ascii: "u") else { throw failure }
            position += 1
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw failure }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            throw failure
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw failure }
        utf8.append(contentsOf: UTF8.encode(unicode)!)
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let h = current else { throw failure }
            let digit: UInt32
            switch h {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(h - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(h - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(h - UInt8(ascii: "A") + 10)
            default: throw failure
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}

/// Offset of the first byte that is not part of well-formed UTF-8, nil when all of it is.
func firstInvalidUTF8Offset(_ bytes: UnsafeRawBufferPointer) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case let .valid(encoded): offset += encoded.count
        case .emptyInput: return nil
        case .error: return offset
        }
    }
}
