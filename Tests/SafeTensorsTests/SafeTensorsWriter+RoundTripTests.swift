import Testing
import TensorCore
@testable import SafeTensors

/// write → read gives back the same dtype, shape and bytes, as zero-copy mapped tensors.
@Suite struct SafeTensorsWriterRoundTripTests {
    let dir = TemporaryDirectory()

    @Test(arguments: DType.allCases)
    func everyDTypeRoundTrips(dtype: DType) throws {
        let tensor = patternTensor(dtype, [2, 3], seed: DType.allCases.firstIndex(of: dtype)!)
        let path = dir.file("\(dtype.rawValue).safetensors")
        try SafeTensorsWriter.write(["w": tensor], to: path)
        let file = try SafeTensorsFile(path: path)
        let read = try file.tensor("w")
        #expect(read.isMapped)
        #expect(read == tensor)
        #expect(bytes(of: read) == bytes(of: tensor))
    }

    @Test func allDTypesInOneFileRoundTrip() throws {
        var tensors: [String: Tensor] = [:]
        for (i, dtype) in DType.allCases.enumerated() {
            tensors["t.\(dtype.rawValue)"] = patternTensor(dtype, Shape([i + 1, 3]), seed: i)
        }
        let path = dir.file("all.safetensors")
        try SafeTensorsWriter.write(tensors, to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(file.entries.map(\.name) == tensors.keys.sorted())
        for (name, tensor) in tensors {
            #expect(try file.tensor(name) == tensor, "\(name)")
        }
    }

    /// Keys and values with quotes, backslashes, control characters and non-ASCII survive.
    @Test func metadataRoundTrips() throws {
        let metadata = ["format": "pt", "quote\"back\\slash": "line\nbreak\ttab\u{1}", "ünï": "😀", "": ""]
        let path = dir.file("m.safetensors")
        try SafeTensorsWriter.write(["a": patternTensor(.f16, [4])], metadata: metadata, to: path)
        #expect(try SafeTensorsFile(path: path).metadata == metadata)
    }

    @Test func zeroSizeAndScalarTensorsRoundTrip() throws {
        let tensors = [
            "empty": Tensor(dtype: .f32, shape: [0, 384], bytes: []),
            "scalar": patternTensor(.i64, []),
            "v": patternTensor(.bf16, [5]),
        ]
        let path = dir.file("m.safetensors")
        try SafeTensorsWriter.write(tensors, to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(try file.tensor("empty") == tensors["empty"]!)
        #expect(try file.tensor("scalar") == tensors["scalar"]!)
        #expect(try file.tensor("scalar").shape.rank == 0)
        #expect(try file.tensor("v") == tensors["v"]!)
    }

    @Test func noTensorsGivesAValidEmptyFile() throws {
        let path = dir.file("m.safetensors")
        try SafeTensorsWriter.write([:], to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(file.entries.isEmpty)
        #expect(file.file.count == 16)  // 8 + "{}" padded to 8
    }

    /// Mapped tensors are streamed from their file into the new one.
    @Test func mappedTensorsCopyIntoANewFile() throws {
        let first = dir.file("a.safetensors")
        let tensors = ["x": patternTensor(.f32, [3, 4]), "y": patternTensor(.u8, [7], seed: 2)]
        try SafeTensorsWriter.write(tensors, to: first)
        let source = try SafeTensorsFile(path: first)
        let second = dir.file("b.safetensors")
        try SafeTensorsWriter.write(["x": try source.tensor("x"), "y": try source.tensor("y")], to: second)
        let copy = try SafeTensorsFile(path: second)
        #expect(try copy.tensor("x") == tensors["x"]!)
        #expect(try copy.tensor("y") == tensors["y"]!)
    }
}
