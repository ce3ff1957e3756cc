import JSON
import Testing

/// Oracle: the Codable contract (what the synthesized init asks for) and exact error values.
struct JSONValueDecoderTests {
    struct Options: Codable, Equatable {
        var fraction: Double = 0.5
        var rank: Int?
        var enabled = true
        var names: [String] = []
        var inner = Inner()
    }

    struct Inner: Codable, Equatable {
        var layers: [Int] = [1]
    }

    @Test func decodesWithoutText() throws {
        let value: JSONValue = ["fraction": 1, "rank": 2.0, "enabled": false, "names": ["a"], "inner": ["layers": [3, 4]]]
        let options = try JSONValueDecoder().decode(Options.self, from: value)
        #expect(options == Options(fraction: 1, rank: 2, enabled: false, names: ["a"], inner: Inner(layers: [3, 4])))
    }

    @Test func booleansAreNotNumbers() {
        #expect(throws: JSONError.typeMismatch(path: JSONPath([.key("fraction")]), expected: "a number", found: "true")) {
            try JSONValueDecoder().decode(Options.self, from: ["fraction": true, "enabled": true, "names": [], "inner": ["layers": []]])
        }
        #expect(throws: JSONError.typeMismatch(path: JSONPath([.key("enabled")]), expected: "true or false", found: "an integer")) {
            try JSONValueDecoder().decode(Options.self, from: ["fraction": 1, "enabled": 1, "names": [], "inner": ["layers": []]])
        }
    }

    @Test func errorsNameThePath() {
        let value: JSONValue = ["fraction": 1, "enabled": true, "names": [], "inner": ["layers": [1, 2.5]]]
        let error = #expect(throws: JSONError.self) { try JSONValueDecoder().decode(Options.self, from: value) }
        #expect(error == .typeMismatch(path: JSONPath([.key("inner"), .key("layers"), .index(1)]), expected: "an integer", found: "a number"))
        #expect(error?.description == "$.inner.layers[1]: expected an integer but found a number; fix that field")
        #expect(throws: JSONError.missingKey(path: .root, key: "names")) {
            try JSONValueDecoder().decode(Options.self, from: ["fraction": 1, "enabled": true])
        }
    }

    @Test func listsTheKeysASynthesizedInitAsksFor() throws {
        let defaults = try JSONValueEncoder().encode(Options())
        #expect(defaults["rank"] == nil)
        #expect(JSONValueDecoder().requestedKeys(Options.self, decoding: defaults) == ["fraction", "rank", "enabled", "names", "inner"])
    }

    @Test func renamesKeys() throws {
        struct Report: Codable, Equatable { var compressionRatio: Double }
        let value = try JSONValueEncoder(keys: JSONKeyCase.snakeCasePerCapital).encode(Report(compressionRatio: 2.5))
        #expect(value == ["compression_ratio": 2.5])
        #expect(try JSONValueDecoder(keys: JSONKeyCase.snakeCasePerCapital).decode(Report.self, from: value) == Report(compressionRatio: 2.5))
    }

    @Test func keepsJSONValuesExact() throws {
        struct Holder: Codable, Equatable { var extensions: [String: JSONValue] }
        let holder = Holder(extensions: ["x": ["n": 1, "d": 1.5, "b": true]])
        let value = try JSONValueEncoder().encode(holder)
        #expect(try JSONValueDecoder().decode(Holder.self, from: value) == holder)
    }
}
