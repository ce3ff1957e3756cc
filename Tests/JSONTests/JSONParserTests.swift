import JSON
import Testing

/// Oracle: RFC 8259 and the parser's documented limits; error values matched exactly.
struct JSONParserTests {
    @Test func keepsIntegersExactAndApartFromDoubles() throws {
        let value = try JSONParser.parse(#"[9007199254740993, -9223372036854775808, 1.0, 2e2, 9223372036854775808, 0.1]"#)
        #expect(value == .array([.int(9_007_199_254_740_993), .int(Int.min), .double(1.0), .double(200),
                                 .double(9_223_372_036_854_775_808), .double(0.1)]))
    }

    @Test func keepsBooleansApartFromNumbers() throws {
        let value = try JSONParser.parse("[true, 1, false, 0]")
        #expect(value == .array([.bool(true), .int(1), .bool(false), .int(0)]))
        #expect(value.arrayValue?[1].boolValue == nil)
        #expect(value.arrayValue?[0].intValue == nil)
    }

    @Test func keepsMemberOrder() throws {
        let value = try JSONParser.parse(#"{"b": 1, "a": {"z": null, "y": "x"}}"#)
        #expect(value == .object([JSONMember("b", 1), JSONMember("a", .object([JSONMember("z", nil), JSONMember("y", "x")]))]))
    }

    @Test func rejectsDuplicateKeysNamingTheObject() {
        #expect(throws: JSONError.duplicateKey(path: JSONPath([.key("layers"), .index(1)]), key: "name")) {
            try JSONParser.parse(#"{"layers": [{}, {"name": 1, "name": 2}]}"#)
        }
    }

    @Test func keepsDuplicateKeysWhenAsked() throws {
        let value = try JSONParser.parse(#"{"a": 1, "a": 2}"#, limits: .init(duplicateKeys: .keep))
        #expect(value == .object([JSONMember("a", 1), JSONMember("a", 2)]))
        #expect(value["a"] == 2)
    }

    @Test func namesThePathOfASyntaxError() {
        let error = #expect(throws: JSONError.self) { try JSONParser.parse(#"{"layers": [1, {"name": tru}]}"#) }
        #expect(error == .syntax(offset: 27, path: JSONPath([.key("layers"), .index(1), .key("name")])))
        #expect(error?.description == "$.layers[1].name: not valid JSON (parsing stopped at byte 27); the file is damaged or not JSON; regenerate it")
    }

    @Test func boundsTheDepth() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONError.tooDeep(offset: 64, path: JSONPath(Array(repeating: .index(0), count: 64)), limit: 64)) {
            try JSONParser.parse(deep)
        }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
    }

    @Test func boundsTheSize() {
        #expect(throws: JSONError.tooLarge(bytes: 9, limit: 8)) { try JSONParser.parse("[1,2,3,4]", limits: .init(bytes: 8)) }
    }

    @Test func rejectsWhatRFC8259Forbids() {
        for text in ["", "01", "1.", ".5", "+1", "[1,]", #"{"a":1,}"#, "NaN", "'a'", "\"\u{1}\"", #""\x""#, #""\ud800""#, "1 2", "[1"] {
            #expect(throws: JSONError.self, "\(text)") { try JSONParser.parse(text) }
        }
        #expect(throws: JSONError.invalidUTF8(offset: 2)) { try JSONParser.parse([0x22, 0x61, 0xFF, 0x22]) }
    }

    @Test func decodesEscapes() throws {
        #expect(try JSONParser.parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#) == .string("a\"\\/\u{8}\u{c}\n\r\té😀"))
    }
}
