import Foundation
import Testing
@testable import TensorCore

@Suite struct FileIOTests {
    let directory: String = {
        let d = NSTemporaryDirectory() + "pare-tensorcore-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    @Test func atomicWriteThenMapReadsTheSameBytes() throws {
        let path = directory + "/a.bin"
        try AtomicFile.write([1, 2, 3, 4, 5], to: path)
        let file = try MappedFile(path: path)
        #expect(file.count == 5)
        #expect(file.withBytes(in: 1..<4) { Array($0) } == [2, 3, 4])
        let t = Tensor(dtype: .u8, shape: [2], storage: .mapped(file, 3..<5))
        #expect(t.isMapped && t.floats() == [4, 5])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["a.bin"])
    }

    @Test func abandonedWriteLeavesNothingBehind() throws {
        let path = directory + "/b.bin"
        do {
            let file = try AtomicFile(path: path)
            try file.write([9, 9])
            // never committed
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func refusesToOverwriteAnInput() throws {
        let path = directory + "/input.bin"
        try AtomicFile.write([1], to: path)
        #expect(throws: FileError.wouldOverwriteInput(path: directory + "/./input.bin")) {
            try AtomicFile.write([2], to: directory + "/./input.bin", inputs: [path])
        }
        #expect(FileManager.default.contents(atPath: path) == Data([1]))
    }

    @Test func missingFileAndDirectoryAreClearErrors() {
        #expect(throws: FileError.cannotOpen(path: directory + "/nope", reason: "No such file or directory")) {
            try MappedFile(path: directory + "/nope")
        }
        #expect(throws: FileError.notARegularFile(path: directory)) { try MappedFile(path: directory) }
    }
}
