import Foundation
import JSON
import Testing

/// Oracle: Foundation's JSONEncoder (the writer Pare used before) for the manifest and export
/// styles, and hand-written bytes for the rest.
struct JSONWriterTests {
    struct Sample: Codable, Equatable {
        var doubles: [Double]
        var floats: [Float]
        var ints: [Int]
        var keys: [String: Int]
        var text: String
        var nested: [String: [Int]]
        var flag: Bool
        var missing: Int?
    }

    static let sample = Sample(
        doubles: [0.1, 1.0, 1e-5, 1e21, 1e16, 1e15, 123456789012.5, -0.0, 3e-7, 0.30000000000000004, 5e-324, -2.5],
        floats: [0.1, 1.0, 1e-5, 1e-12, 0.3, 3.4e38], ints: [0, -1, Int.max, Int.min],
        keys: ["a10": 1, "a9": 2, "B": 3, "a": 4, "_x": 5, "é": 7, "a_b": 8, "aB": 9],
        text: "a/b\"\\\n\r\t\u{1}\u{8}\u{c}\u{7f}é\u{2028}", nested: ["empty": [], "full": [1, 2]], flag: true, missing: nil)

    @Test func compactSortedMatchesFoundation() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try encoder.encode(Self.sample)
        let written = try JSONWriter.bytes(try JSONValueEncoder().encode(Self.sample), style: .compactSorted)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }

    @Test func prettySortedMatchesFoundation() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        let expected = try encoder.encode(Self.sample)
        let written = try JSONWriter.bytes(try JSONValueEncoder().encode(Self.sample), style: .prettySorted)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }

    @Test func roundTripsThroughTheParser() throws {
        let value = try JSONValueEncoder().encode(Self.sample)
        for style in [JSONWriter.Style.compactSorted, .prettySorted, .init(sortedKeys: false, indent: "\t")] {
            let parsed = try JSONParser.parse(try JSONWriter.bytes(value, style: style))
            #expect(try JSONValueDecoder().decode(Sample.self, from: parsed) == Self.sample)
        }
    }

    @Test func isDeterministicAndKeepsOrderUnlessSorting() throws {
        let value: JSONValue = ["b": 1, "a": [true, nil, 0.5]]
        #expect(try JSONWriter.string(value, style: .init(sortedKeys: false)) == #"{"b":1,"a":[true,null,0.5]}"#)
        #expect(try JSONWriter.string(value, style: .compactSorted) == #"{"a":[true,null,0.5],"b":1}"#)
        #expect(try JSONWriter.string(value, style: .compactSorted) == JSONWriter.string(value, style: .compactSorted))
    }

    @Test func refusesNonFiniteNumbersNamingThePath() {
        #expect(throws: JSONError.unencodable(path: JSONPath([.key("a"), .index(1)]), value: "nan")) {
            try JSONWriter.bytes(["a": [1, .double(.nan)]], style: .compactSorted)
        }
    }
}

/// Oracle: Foundation's `.convertToSnakeCase` (what `--json` used before), which converts the
/// keys of keyed containers but not those of `[String: V]` dictionaries.
struct JSONKeyCaseTests {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct Keys: Encodable {
        var names: [String]
        var dictionary: [String: Int]
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            for name in names { try c.encode(1, forKey: Key(stringValue: name)) }
            try c.encode(dictionary, forKey: Key(stringValue: "theDictionary"))
        }
    }

    @Test func groupingCapitalsMatchesFoundation() throws {
        let keys = Keys(names: ["achievedGFLOPs", "int8GEMM", "myURLValue", "a", "ABC", "speedupMin", "kvHeads", "x1Y2", "maxAbs",
                                "inFeatures", "HTTPServer", "layerNormEpsilon", "q", "tokensPerSecond", "aB", "_under", "a_b"],
                        dictionary: ["camelKey": 1, "blocks.0.Up": 2])
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let value = try JSONValueEncoder(keys: JSONKeyCase.snakeCaseGroupingCapitals, convertingDictionaryKeys: false).encode(keys)
        #expect(try JSONWriter.string(value, style: .compactSorted) == String(decoding: try encoder.encode(keys), as: UTF8.self))
    }
}
