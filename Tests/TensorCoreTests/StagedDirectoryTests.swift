import Foundation
import Testing
@testable import TensorCore

/// `StagedDirectory` (both exports write through it): readers see nothing until `commit`, then
/// every file; an occupied target is refused before and at the rename; an abandoned directory
/// leaves nothing behind; names are plain relative paths.
@Suite struct StagedDirectoryTests {
    let directory: String = {
        let d = NSTemporaryDirectory() + "pare-staged-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    func files(_ path: String) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: path).sorted()
    }

    @Test func nothingIsVisibleUntilCommitThenEveryFile() throws {
        let target = directory + "/out"
        let output = try StagedDirectory(path: target)
        try output.write([1, 2], to: "a.json")
        try output.write([3], to: "sub/b.txt")
        #expect(!FileManager.default.fileExists(atPath: target))
        try output.commit()
        #expect(try files(target) == ["a.json", "sub", "sub/b.txt"])
        #expect(FileManager.default.contents(atPath: target + "/sub/b.txt") == Data([3]))
        #expect(try files(directory) == ["out", "out/a.json", "out/sub", "out/sub/b.txt"])
    }

    @Test func anOccupiedTargetIsRefusedAndAnEmptyOneReplaced() throws {
        let file = directory + "/file", full = directory + "/full", empty = directory + "/empty"
        FileManager.default.createFile(atPath: file, contents: Data([1]))
        try FileManager.default.createDirectory(atPath: full + "/x", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        for path in [file, full] {
            #expect(throws: FileError.occupied(path: path)) { try StagedDirectory(path: path) }
        }
        let output = try StagedDirectory(path: empty)
        try output.write([7], to: "a")
        try output.commit()
        #expect(try files(empty) == ["a"])
        // Occupied between the check and the rename: refused at the rename.
        let late = directory + "/late", staged = try StagedDirectory(path: late)
        try FileManager.default.createDirectory(atPath: late + "/y", withIntermediateDirectories: true)
        #expect(throws: FileError.occupied(path: late)) { try staged.commit() }
    }

    @Test func anAbandonedDirectoryLeavesNothingBehind() throws {
        do {
            let output = try StagedDirectory(path: directory + "/gone")
            try output.write([1], to: "a")
        }
        #expect(try files(directory) == [])
    }

    @Test(arguments: [("a/b.json", true), ("tokenizer.json", true), ("", false), ("/etc/passwd", false), ("a/../b", false),
                      ("./a", false), ("a//b", false), ("a\u{0}b", false)])
    func namesArePlainRelativePaths(_ name: String, _ plain: Bool) {
        #expect(StagedDirectory.isPlainRelative(name) == plain)
    }
}
