import Foundation
import Testing
import TensorCore
@testable import SafeTensors

/// Identical tensors and metadata give identical bytes: sorted names and keys, no whitespace,
/// space padding to a multiple of 8, data contiguous in name order.
@Suite struct SafeTensorsWriterDeterminismTests {
    let dir = TemporaryDirectory()

    /// Golden header for two tensors and one metadata key (oracle: the layout spelled out by hand).
    @Test func headerIsExactlyTheDocumentedLayout() {
        let tensors = ["b": patternTensor(.f16, [2, 1]), "a": patternTensor(.f32, [3])]
        let header = SafeTensorsWriter.header(tensors, metadata: ["format": "pt"])
        let json = #"{"__metadata__":{"format":"pt"},"a":{"data_offsets":[0,12],"dtype":"F32","shape":[3]},"#
            + #""b":{"data_offsets":[12,16],"dtype":"F16","shape":[2,1]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        #expect(padded.utf8.count % 8 == 0)
        #expect(header == withUnsafeBytes(of: UInt64(padded.utf8.count).littleEndian) { Array($0) } + Array(padded.utf8))
    }

    @Test func emptyMetadataIsOmitted() {
        let header = SafeTensorsWriter.header(["a": patternTensor(.u8, [1])], metadata: [:])
        let json = String(decoding: header.dropFirst(8), as: UTF8.self)
        #expect(json == #"{"a":{"data_offsets":[0,1],"dtype":"U8","shape":[1]}}   "#)  // 53 + 3 = 56
    }

    /// The same content inserted in opposite orders (different dictionary layouts) → same bytes.
    @Test func insertionOrderDoesNotMatter() throws {
        let names = (0..<40).map { "layer.\($0).weight" }
        var forward: [String: Tensor] = [:]
        var backward: [String: Tensor] = [:]
        for (i, name) in names.enumerated() { forward[name] = patternTensor(.f32, [2, i % 3 + 1], seed: i) }
        for (i, name) in names.enumerated().reversed() { backward[name] = patternTensor(.f32, [2, i % 3 + 1], seed: i) }
        var metaForward: [String: String] = [:]
        var metaBackward: [String: String] = [:]
        for i in 0..<20 { metaForward["k\(i)"] = "v\(i)" }
        for i in (0..<20).reversed() { metaBackward["k\(i)"] = "v\(i)" }

        try SafeTensorsWriter.write(forward, metadata: metaForward, to: dir.file("1.safetensors"))
        try SafeTensorsWriter.write(backward, metadata: metaBackward, to: dir.file("2.safetensors"))
        let one = try Data(contentsOf: URL(fileURLWithPath: dir.file("1.safetensors")))
        let two = try Data(contentsOf: URL(fileURLWithPath: dir.file("2.safetensors")))
        #expect(one == two)
    }

    /// Header padded to 8 with spaces; data contiguous in name order; the file starts with `header()`.
    @Test func fileIsHeaderThenContiguousDataInNameOrder() throws {
        let tensors = ["c": patternTensor(.i8, [3], seed: 3), "a": patternTensor(.f64, [1], seed: 1),
                       "b": patternTensor(.bf16, [3], seed: 2)]
        let path = dir.file("m.safetensors")
        try SafeTensorsWriter.write(tensors, to: path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let header = SafeTensorsWriter.header(tensors, metadata: [:])
        #expect(Array(bytes.prefix(header.count)) == header)
        #expect(header.count % 8 == 0)
        let json = header.dropFirst(8)
        #expect(json.last == UInt8(ascii: " ") || json.last == UInt8(ascii: "}"))
        #expect(!json.prefix(while: { $0 != UInt8(ascii: " ") }).contains(UInt8(ascii: "\n")))
        let data = bytes.dropFirst(header.count)
        #expect(Array(data) == ["a", "b", "c"].flatMap { SafeTensorsTests.bytes(of: tensors[$0]!) })

        let file = try SafeTensorsFile(path: path)
        var end = 8 + file.headerByteCount
        for entry in file.entries {
            #expect(entry.dataRange.lowerBound == end)
            end = entry.dataRange.upperBound
        }
        #expect(end == bytes.count)
    }
}
