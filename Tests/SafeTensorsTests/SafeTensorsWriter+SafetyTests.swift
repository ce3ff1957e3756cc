import Foundation
import Testing
import TensorCore
@testable import SafeTensors

/// Writes are atomic and never clobber an input.
@Suite struct SafeTensorsWriterSafetyTests {
    let dir = TemporaryDirectory()

    @Test func refusesToOverwriteAnInput() throws {
        let path = dir.file("in.safetensors")
        try SafeTensorsWriter.write(["a": patternTensor(.f32, [2])], to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: SafeTensorsError.file(.wouldOverwriteInput(path: path))) {
            try SafeTensorsWriter.write(["b": patternTensor(.f32, [4])], to: path, inputs: [dir.path + "/./in.safetensors"])
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(dir.contents() == ["in.safetensors"])
    }

    /// A tensor mapped from the target makes the target an input even when `inputs` is empty.
    @Test func refusesToOverwriteTheFileATensorIsMappedFrom() throws {
        let path = dir.file("in.safetensors")
        try SafeTensorsWriter.write(["a": patternTensor(.f32, [2])], to: path)
        let mapped = try SafeTensorsFile(path: path).tensor("a")
        #expect(throws: SafeTensorsError.file(.wouldOverwriteInput(path: path))) {
            try SafeTensorsWriter.write(["a": mapped], to: path)
        }
    }

    /// The rename onto an existing directory fails after the data was written: the temporary
    /// file must be gone.
    @Test func failedWriteLeavesNoTemporaryFile() throws {
        let target = dir.file("out.safetensors")
        try FileManager.default.createDirectory(atPath: target + "/inside", withIntermediateDirectories: true)
        #expect(throws: SafeTensorsError.file(.cannotWrite(path: target, reason: String(cString: strerror(EISDIR))))) {
            try SafeTensorsWriter.write(["a": patternTensor(.f32, [1024])], to: target)
        }
        #expect(dir.contents() == ["out.safetensors"])
    }

    @Test func missingDirectoryIsAFileError() {
        let target = dir.file("absent/out.safetensors")
        #expect(throws: SafeTensorsError.file(.cannotWrite(path: target, reason: String(cString: strerror(ENOENT))))) {
            try SafeTensorsWriter.write(["a": patternTensor(.f32, [1])], to: target)
        }
        #expect(dir.contents().isEmpty)
    }

    @Test func reservedNameIsRefused() {
        let target = dir.file("out.safetensors")
        #expect(throws: SafeTensorsError.reservedTensorName(path: target)) {
            try SafeTensorsWriter.write(["__metadata__": patternTensor(.u8, [1])], to: target)
        }
        #expect(dir.contents().isEmpty)
    }

    /// Overwriting a file that is not an input replaces it completely.
    @Test func overwritesANonInput() throws {
        let path = dir.file("out.safetensors")
        try SafeTensorsWriter.write(["a": patternTensor(.f32, [100])], to: path)
        try SafeTensorsWriter.write(["b": patternTensor(.u8, [1])], to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(file.entries.map(\.name) == ["b"])
        #expect(dir.contents() == ["out.safetensors"])
    }
}
