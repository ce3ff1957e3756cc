import Foundation

/// The manifest's JSON: sorted keys, no insignificant whitespace, `/` unescaped, so equal
/// manifests always give equal bytes.
enum ManifestCoding {
    static func encode(_ manifest: ArtifactManifest) throws(ArtifactError) -> [UInt8] {
        try encode(manifest, path: "manifest")
    }

    static func encode<T: Encodable>(_ value: T, path: String, pretty: Bool = false) throws(ArtifactError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            : [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch let EncodingError.invalidValue(value, context) {
            throw .unencodableManifest(path: path, reason: "\(value) at \(codingPath(context.codingPath))")
        } catch {
            throw .unencodableManifest(path: path, reason: "\(error)")
        }
    }

    /// Decodes JSON, describing a failure in one line ("missing key 'tensors' at (root)").
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> Result<T, DecodeFailure> {
        do {
            return .success(try JSONDecoder().decode(type, from: Data(bytes)))
        } catch let DecodingError.keyNotFound(key, context) {
            return .failure(DecodeFailure("missing key '\(key.stringValue)' at \(codingPath(context.codingPath))"))
        } catch let DecodingError.typeMismatch(type, context) {
            return .failure(DecodeFailure("expected \(type) at \(codingPath(context.codingPath))"))
        } catch let DecodingError.valueNotFound(type, context) {
            return .failure(DecodeFailure("null where \(type) is required at \(codingPath(context.codingPath))"))
        } catch let DecodingError.dataCorrupted(context) {
            return .failure(DecodeFailure(context.codingPath.isEmpty
                ? "not valid JSON" : "invalid value at \(codingPath(context.codingPath))"))
        } catch {
            return .failure(DecodeFailure("\(error)"))
        }
    }

    struct DecodeFailure: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// `tensors[3].offset`; `(root)` for the top level.
    static func codingPath(_ path: [CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out.isEmpty ? "(root)" : out
    }
}
