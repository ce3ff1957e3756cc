import Testing
import TensorCore
@testable import SafeTensors

/// Header contents: each entry is exactly `{"dtype": String, "shape": [Int ≥ 0],
/// "data_offsets": [begin ≥ 0, end ≥ begin]}`, dtypes are known, `__metadata__` is string→string,
/// keys are unique.
@Suite struct SafeTensorsFileEntryTests {
    let dir = TemporaryDirectory()

    /// Writes `{"t": <entry>}` followed by 8 data bytes.
    func fileWithEntry(_ entry: String) -> String {
        dir.write(rawSafeTensors(headerJSON([("t", entry)]), data: patternBytes(8)), to: "m.safetensors")
    }

    typealias Problem = SafeTensorsError.EntryProblem

    @Test(arguments: [
        ("1", Problem.notAnObject),
        ("[]", .notAnObject),
        (#"{"shape":[2],"data_offsets":[0,8]}"#, .missingKey("dtype")),
        (#"{"dtype":"F32","data_offsets":[0,8]}"#, .missingKey("shape")),
        (#"{"dtype":"F32","shape":[2]}"#, .missingKey("data_offsets")),
        (#"{"dtype":"F32","shape":[2],"data_offsets":[0,8],"offset":0}"#, .unexpectedKey("offset")),
        (#"{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}"#, .duplicateKey("dtype")),
        (#"{"dtype":4,"shape":[2],"data_offsets":[0,8]}"#, .dtypeNotAString),
        (#"{"dtype":"F32","shape":2,"data_offsets":[0,8]}"#, .shapeNotNonNegativeIntegers),
        (#"{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}"#, .shapeNotNonNegativeIntegers),
        (#"{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}"#, .shapeNotNonNegativeIntegers),
        (#"{"dtype":"F32","shape":[true],"data_offsets":[0,8]}"#, .shapeNotNonNegativeIntegers),
        (#"{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}"#, .shapeNotNonNegativeIntegers),
        (#"{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}"#, .shapeTooLarge),
        (#"{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}"#, .shapeTooLarge),
        (#"{"dtype":"F32","shape":[2],"data_offsets":[0]}"#, .dataOffsetsNotTwoNonNegativeIntegers),
        (#"{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}"#, .dataOffsetsNotTwoNonNegativeIntegers),
        (#"{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}"#, .dataOffsetsNotTwoNonNegativeIntegers),
        (#"{"dtype":"F32","shape":[2],"data_offsets":[0,8e0]}"#, .dataOffsetsNotTwoNonNegativeIntegers),
        (#"{"dtype":"F32","shape":[2],"data_offsets":{"begin":0}}"#, .dataOffsetsNotTwoNonNegativeIntegers),
        (#"{"dtype":"F32","shape":[2],"data_offsets":[8,0]}"#, .dataOffsetsReversed(begin: 8, end: 0)),
    ])
    func malformedEntryIsRejected(entry: String, problem: Problem) {
        let path = fileWithEntry(entry)
        #expect(throws: SafeTensorsError.invalidEntry(path: path, tensor: "t", problem: problem)) {
            try SafeTensorsFile(path: path)
        }
    }

    /// Case matters, as in the reference implementation: `f32` is not a dtype.
    @Test(arguments: ["F8_E4M3", "f32", "FLOAT", "U16", ""])
    func unknownDTypeIsRejected(dtype: String) {
        let path = fileWithEntry(entryJSON(dtype, [2], 0, 8))
        #expect(throws: SafeTensorsError.unknownDType(path: path, tensor: "t", dtype: dtype)) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func unknownDTypeMessageListsTheKnownOnes() {
        let message = SafeTensorsError.unknownDType(path: "m.safetensors", tensor: "t", dtype: "F8_E4M3").description
        #expect(message == "m.safetensors: tensor 't': unknown dtype 'F8_E4M3'; Pare reads "
            + "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL — convert the checkpoint to one of them")
    }

    @Test func repeatedTensorNameIsRejected() {
        let header = headerJSON([("t", entryJSON("F32", [1], 0, 4)), ("t", entryJSON("F32", [1], 4, 8))])
        let path = dir.write(rawSafeTensors(header, data: patternBytes(8)), to: "m.safetensors")
        #expect(throws: SafeTensorsError.duplicateTensor(path: path, tensor: "t")) { try SafeTensorsFile(path: path) }
    }

    @Test func metadataIsRead() throws {
        let header = headerJSON([("__metadata__", #"{"format":"pt","note":"a \"q\" \u00e9"}"#),
                                 ("t", entryJSON("F32", [2], 0, 8))])
        let path = dir.write(rawSafeTensors(header, data: patternBytes(8)), to: "m.safetensors")
        let file = try SafeTensorsFile(path: path)
        #expect(file.metadata == ["format": "pt", "note": "a \"q\" é"])
        #expect(file.entries.map(\.name) == ["t"])
    }

    @Test(arguments: [
        (#"["pt"]"#, String?.none), ("null", nil), (#"{"format":1}"#, "format"), (#"{"a":"x","b":{}}"#, "b"),
    ])
    func metadataThatIsNotStringToStringIsRejected(metadata: String, key: String?) {
        let header = headerJSON([("__metadata__", metadata), ("t", entryJSON("F32", [2], 0, 8))])
        let path = dir.write(rawSafeTensors(header, data: patternBytes(8)), to: "m.safetensors")
        #expect(throws: SafeTensorsError.invalidMetadata(path: path, key: key)) { try SafeTensorsFile(path: path) }
    }

    @Test func repeatedMetadataKeyIsRejected() {
        let header = headerJSON([("__metadata__", #"{"format":"pt","format":"np"}"#)])
        let path = dir.write(rawSafeTensors(header), to: "m.safetensors")
        #expect(throws: SafeTensorsError.duplicateMetadataKey(path: path, key: "format")) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func repeatedMetadataObjectIsRejected() {
        let header = headerJSON([("__metadata__", "{}"), ("__metadata__", "{}")])
        let path = dir.write(rawSafeTensors(header), to: "m.safetensors")
        #expect(throws: SafeTensorsError.duplicateTensor(path: path, tensor: "__metadata__")) {
            try SafeTensorsFile(path: path)
        }
    }

    /// Names are JSON strings: escapes, including surrogate pairs, decode to the same String.
    @Test func escapedNamesDecode() throws {
        let header = headerJSON([(#"\u00e9t\u00e9.\ud83d\ude00\/\"\\"#, entryJSON("U8", [2], 0, 2))])
        let path = dir.write(rawSafeTensors(header, data: [1, 2]), to: "m.safetensors")
        let file = try SafeTensorsFile(path: path)
        #expect(file.entries.map(\.name) == ["été.😀/\"\\"])
    }

    /// Every dtype name the header can carry maps to its DType.
    @Test(arguments: DType.allCases)
    func everyKnownDTypeIsAccepted(dtype: DType) throws {
        let path = dir.write(rawSafeTensors(headerJSON([("t", entryJSON(dtype.safetensorsName, [3], 0, 3 * dtype.size))]),
                                            data: patternBytes(3 * dtype.size)), to: "m.safetensors")
        let file = try SafeTensorsFile(path: path)
        #expect(file["t"]?.dtype == dtype)
        #expect(file["t"]?.shape == [3])
    }
}
