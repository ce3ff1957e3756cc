import Foundation
import Testing
import TensorCore
@testable import SafeTensors

/// Framing: `[N: UInt64 LE][N bytes of UTF-8 JSON object][data]`; each violation has its own error.
@Suite struct SafeTensorsFileFramingTests {
    let dir = TemporaryDirectory()

    @Test func missingFileIsAFileError() {
        let path = dir.file("absent.safetensors")
        #expect(throws: SafeTensorsError.file(.cannotOpen(path: path, reason: "No such file or directory"))) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func directoryIsNotARegularFile() {
        #expect(throws: SafeTensorsError.file(.notARegularFile(path: dir.path))) {
            try SafeTensorsFile(path: dir.path)
        }
    }

    @Test(arguments: [0, 1, 7])
    func shorterThanTheLengthPrefixIsTruncated(size: Int) {
        let path = dir.write([UInt8](repeating: 0, count: size), to: "short.safetensors")
        #expect(throws: SafeTensorsError.truncated(path: path, fileSize: size)) { try SafeTensorsFile(path: path) }
    }

    @Test func zeroHeaderLengthIsRejected() {
        let path = dir.write(rawSafeTensors("{}", declaredLength: 0), to: "m.safetensors")
        #expect(throws: SafeTensorsError.emptyHeader(path: path)) { try SafeTensorsFile(path: path) }
    }

    @Test(arguments: [UInt64(SafeTensorsFile.maxHeaderBytes) + 1, UInt64(Int.max) + 1, UInt64.max])
    func headerLengthAboveTheLimitIsRejected(n: UInt64) {
        let path = dir.write(rawSafeTensors("{}", declaredLength: n), to: "m.safetensors")
        #expect(throws: SafeTensorsError.headerTooLarge(
            path: path, headerByteCount: n, limit: SafeTensorsFile.maxHeaderBytes)) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func limitIsTheReferenceImplementations() {
        #expect(SafeTensorsFile.maxHeaderBytes == 100_000_000)
    }

    @Test func headerLongerThanTheFileIsRejected() {
        // 8 + 100 > 8 + 2 bytes on disk.
        let path = dir.write(rawSafeTensors("{}", declaredLength: 100), to: "m.safetensors")
        #expect(throws: SafeTensorsError.headerBeyondFile(path: path, headerByteCount: 100, fileSize: 10)) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func invalidUTF8ReportsTheHeaderOffset() {
        let header = Array(#"{"a"#.utf8) + [0xFF] + Array(#"":{}}"#.utf8)
        let path = dir.write(rawSafeTensors(bytes: header), to: "m.safetensors")
        #expect(throws: SafeTensorsError.headerNotUTF8(path: path, offset: 3)) { try SafeTensorsFile(path: path) }
    }

    /// Offsets are where the parser stopped, counted from the first header byte.
    @Test(arguments: [
        (#"{"a":}"#, 5), (#"{"a":1,}"#, 7), ("{} x", 3), ("   ", 3), (#"{"a":tru}"#, 8),
        (#"{"a\q":1}"#, 4), ("{\"a\u{1}\":1}", 3), (#"{"a":01}"#, 6), (#"{"a":"\ud800"}"#, 12), (#"{"a":-}"#, 6),
    ])
    func malformedJSONReportsWhereParsingStopped(header: String, offset: Int) {
        let path = dir.write(rawSafeTensors(header), to: "m.safetensors")
        #expect(throws: SafeTensorsError.headerNotJSON(path: path, offset: offset)) { try SafeTensorsFile(path: path) }
    }

    @Test func deeplyNestedJSONIsRejectedNotRecursedInto() {
        let header = #"{"a":"# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        let path = dir.write(rawSafeTensors(header), to: "m.safetensors")
        #expect(throws: SafeTensorsError.headerNotJSON(path: path, offset: 5 + SafeTensorsFile.headerLimits.depth - 1)) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test(arguments: ["[]", "1", #""x""#, "null"])
    func jsonThatIsNotAnObjectIsRejected(header: String) {
        let path = dir.write(rawSafeTensors(header), to: "m.safetensors")
        #expect(throws: SafeTensorsError.headerNotAnObject(path: path)) { try SafeTensorsFile(path: path) }
    }

    @Test func emptyObjectWithSpacePaddingIsAnEmptyFile() throws {
        let path = dir.write(rawSafeTensors("{}      "), to: "m.safetensors")
        let file = try SafeTensorsFile(path: path)
        #expect(file.entries.isEmpty)
        #expect(file.metadata.isEmpty)
        #expect(file.headerByteCount == 8)
        #expect(file.path == path)
    }
}
