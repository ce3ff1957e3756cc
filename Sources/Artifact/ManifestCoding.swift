import JSON

/// The manifest's JSON: sorted keys, no insignificant whitespace, `/` unescaped, shortest
/// round-trip numbers (`JSONWriter.Style.compactSorted`), so equal manifests give equal bytes.
package enum ManifestCoding {
    static func encode(_ manifest: ArtifactManifest) throws(ArtifactError) -> [UInt8] {
        try encode(manifest, path: "manifest")
    }

    /// `value` as JSON: one line, or indented (`prettySorted`) when `pretty`.
    package static func encode<T: Encodable>(_ value: T, path: String, pretty: Bool = false) throws(ArtifactError) -> [UInt8] {
        do {
            return try JSONWriter.bytes(try JSONValueEncoder().encode(value), style: pretty ? .prettySorted : .compactSorted)
        } catch {
            guard case let .unencodable(at, value) = error else { throw .unencodableManifest(path: path, reason: "\(error)") }
            throw .unencodableManifest(path: path, reason: "\(value) at \(at.dotted)")
        }
    }

    /// Decodes JSON, describing a failure in one line ("missing key 'tensors' at (root)").
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> Result<T, DecodeFailure> {
        do throws(JSONError) {
            return .success(try JSONValueDecoder().decode(type, from: try JSONParser.parse(bytes)))
        } catch {
            return .failure(DecodeFailure(reason(error)))
        }
    }

    /// The JSON value of `bytes`, failures described as `decode` does.
    package static func parse(_ bytes: [UInt8]) -> Result<JSONValue, DecodeFailure> {
        do throws(JSONError) {
            return .success(try JSONParser.parse(bytes))
        } catch {
            return .failure(DecodeFailure(reason(error)))
        }
    }

    /// One line: `missing key 'tool' at (root)`, `expected an integer but found a string at tensors[3].offset`.
    static func reason(_ error: JSONError) -> String {
        switch error {
        case let .missingKey(path, key): "missing key '\(key)' at \(path.dotted)"
        case let .invalidValue(path, reason): "invalid value at \(path.dotted) (\(reason))"
        default: "\(error.problem) at \(error.path.dotted)"
        }
    }

    package struct DecodeFailure: Error {
        package let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
