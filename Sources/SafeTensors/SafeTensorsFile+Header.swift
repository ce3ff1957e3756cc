import JSON
import TensorCore

/// Reading and validating the header of a mapped file.
extension SafeTensorsFile {
    struct Header {
        var headerByteCount: Int
        var metadata: [String: String]
        var entries: [SafeTensorsEntry]
    }

    /// An entry as written in the header, before its offsets are checked against the file.
    struct RawEntry {
        var name: String
        var dtype: DType
        var shape: Shape
        var dataOffsets: Range<Int>
    }

    /// The JSON parser's limits for a header or an index: repeated keys are kept, so that the
    /// checks below can name the repeated tensor or field.
    static let headerLimits = JSONParser.Limits(duplicateKeys: .keep)

    /// Framing, JSON and layout checks; see the type's documentation for the order.
    static func readHeader(_ file: MappedFile, path: String) throws(SafeTensorsError) -> Header {
        guard file.count >= 8 else { throw .truncated(path: path, fileSize: file.count) }
        let n = file.withBytes(in: 0..<8) { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n != 0 else { throw .emptyHeader(path: path) }
        guard n <= UInt64(maxHeaderBytes) else {
            throw .headerTooLarge(path: path, headerByteCount: n, limit: maxHeaderBytes)
        }
        let headerByteCount = Int(n)
        guard 8 + headerByteCount <= file.count else {
            throw .headerBeyondFile(path: path, headerByteCount: headerByteCount, fileSize: file.count)
        }
        let parsed = file.withBytes(in: 8..<8 + headerByteCount) {
            (bytes: UnsafeRawBufferPointer) -> Result<JSONValue, SafeTensorsError> in
            do throws(JSONError) {
                return .success(try JSONParser.parse(bytes, limits: headerLimits))
            } catch {
                switch error {
                case let .invalidUTF8(offset): return .failure(.headerNotUTF8(path: path, offset: offset))
                default: return .failure(.headerNotJSON(path: path, offset: error.offset ?? 0))
                }
            }
        }
        let json = try parsed.get()
        let (metadata, raw) = try parseEntries(json, path: path)
        let dataStart = 8 + headerByteCount
        let entries = try checkLayout(raw, dataByteCount: file.count - dataStart, path: path).map {
            SafeTensorsEntry(name: $0.name, dtype: $0.dtype, shape: $0.shape,
                             dataRange: dataStart + $0.dataOffsets.lowerBound ..< dataStart + $0.dataOffsets.upperBound)
        }
        return Header(headerByteCount: headerByteCount, metadata: metadata, entries: entries)
    }

    /// Top-level object → entries sorted by name (checked in that order), then `__metadata__`.
    static func parseEntries(_ json: JSONValue, path: String) throws(SafeTensorsError)
        -> (metadata: [String: String], entries: [RawEntry])
    {
        guard case let .object(members) = json else { throw .headerNotAnObject(path: path) }
        var metadataValue: JSONValue?
        var seen = Set<String>()
        var tensors: [JSONMember] = []
        for member in members {
            guard seen.insert(member.key).inserted else { throw .duplicateTensor(path: path, tensor: member.key) }
            if member.key == "__metadata__" { metadataValue = member.value } else { tensors.append(member) }
        }
        tensors.sort { $0.key < $1.key }
        var entries: [RawEntry] = []
        entries.reserveCapacity(tensors.count)
        for member in tensors { entries.append(try parseEntry(name: member.key, member.value, path: path)) }
        var metadata: [String: String] = [:]
        if let metadataValue { metadata = try parseMetadata(metadataValue, path: path) }
        return (metadata, entries)
    }

    /// `{"dtype": String, "shape": [Int ≥ 0], "data_offsets": [begin ≥ 0, end ≥ begin]}`, exactly.
    static func parseEntry(name: String, _ value: JSONValue, path: String) throws(SafeTensorsError) -> RawEntry {
        func fail(_ problem: SafeTensorsError.EntryProblem) -> SafeTensorsError {
            .invalidEntry(path: path, tensor: name, problem: problem)
        }
        guard case let .object(members) = value else { throw fail(.notAnObject) }
        var fields: [String: JSONValue] = [:]
        for member in members {
            let (key, v) = (member.key, member.value)
            guard ["dtype", "shape", "data_offsets"].contains(key) else { throw fail(.unexpectedKey(key)) }
            guard fields.updateValue(v, forKey: key) == nil else { throw fail(.duplicateKey(key)) }
        }
        for key in ["dtype", "shape", "data_offsets"] where fields[key] == nil { throw fail(.missingKey(key)) }

        guard case let .string(dtypeName) = fields["dtype"]! else { throw fail(.dtypeNotAString) }
        guard let dims = nonNegativeInts(fields["shape"]!) else { throw fail(.shapeNotNonNegativeIntegers) }
        guard checkedElementCount(dims) != nil else { throw fail(.shapeTooLarge) }
        guard let offsets = nonNegativeInts(fields["data_offsets"]!), offsets.count == 2 else {
            throw fail(.dataOffsetsNotTwoNonNegativeIntegers)
        }
        guard offsets[0] <= offsets[1] else { throw fail(.dataOffsetsReversed(begin: offsets[0], end: offsets[1])) }
        guard let dtype = DType(safetensorsName: dtypeName), dtype.safetensorsName == dtypeName else {
            throw .unknownDType(path: path, tensor: name, dtype: dtypeName)
        }
        return RawEntry(name: name, dtype: dtype, shape: Shape(dims), dataOffsets: offsets[0]..<offsets[1])
    }

    /// An array of integers ≥ 0, else nil.
    static func nonNegativeInts(_ value: JSONValue) -> [Int]? {
        guard case let .array(elements) = value else { return nil }
        var ints: [Int] = []
        ints.reserveCapacity(elements.count)
        for e in elements {
            guard case let .int(i) = e, i >= 0 else { return nil }
            ints.append(i)
        }
        return ints
    }

    /// `__metadata__` must be an object of strings (keys are unique: a repeated key is an error).
    static func parseMetadata(_ value: JSONValue, path: String) throws(SafeTensorsError) -> [String: String] {
        guard case let .object(members) = value else { throw .invalidMetadata(path: path, key: nil) }
        var metadata: [String: String] = [:]
        for member in members {
            let (key, v) = (member.key, member.value)
            guard case let .string(s) = v else { throw .invalidMetadata(path: path, key: key) }
            guard metadata.updateValue(s, forKey: key) == nil else { throw .duplicateMetadataKey(path: path, key: key) }
        }
        return metadata
    }
}
