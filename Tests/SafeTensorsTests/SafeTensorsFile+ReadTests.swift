import Testing
import TensorCore
@testable import SafeTensors

/// Reading tensors: zero-copy `.mapped` storage over exactly the entry's bytes.
@Suite struct SafeTensorsFileReadTests {
    let dir = TemporaryDirectory()

    @Test func tensorMapsExactlyItsBytes() throws {
        let data = patternBytes(4 + 6)
        let header = headerJSON([("a", entryJSON("F32", [1], 0, 4)), ("b", entryJSON("I16", [3], 4, 10))])
        let path = dir.write(rawSafeTensors(header, data: data), to: "m.safetensors")
        let file = try SafeTensorsFile(path: path)
        let b = try file.tensor("b")
        #expect(b.isMapped)
        #expect(b.dtype == .i16)
        #expect(b.shape == [3])
        #expect(bytes(of: b) == Array(data[4..<10]))
        guard case let .mapped(mapped, range) = b.storage else { Issue.record("not mapped"); return }
        #expect(mapped === file.file)
        #expect(range == file["b"]?.dataRange)
    }

    @Test func unknownNameThrowsAndSubscriptIsNil() throws {
        let path = dir.write(rawSafeTensors(headerJSON([("a", entryJSON("U8", [1], 0, 1))]), data: [7]), to: "m.safetensors")
        let file = try SafeTensorsFile(path: path)
        #expect(file["b"] == nil)
        #expect(throws: SafeTensorsError.noSuchTensor(path: path, tensor: "b")) { try file.tensor("b") }
    }

    /// The tensor keeps the mapping alive after the file value is gone.
    @Test func tensorOutlivesItsFile() throws {
        let path = dir.write(rawSafeTensors(headerJSON([("a", entryJSON("U8", [3], 0, 3))]), data: [1, 2, 3]),
                             to: "m.safetensors")
        let tensor = try SafeTensorsFile(path: path).tensor("a")
        #expect(bytes(of: tensor) == [1, 2, 3])
    }
}
