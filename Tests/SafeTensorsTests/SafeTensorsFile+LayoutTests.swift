import Testing
import TensorCore
@testable import SafeTensors

/// The data section (file bytes `[8 + N, size)`): every tensor in bounds, spanning exactly
/// shape.count × dtype.size bytes, and the tensors tiling the section with no overlap and no hole.
@Suite struct SafeTensorsFileLayoutTests {
    let dir = TemporaryDirectory()

    /// `members` as the header, then `dataByteCount` bytes of data.
    func file(_ members: [(String, String)], dataByteCount: Int) -> String {
        dir.write(rawSafeTensors(headerJSON(members), data: patternBytes(dataByteCount)), to: "m.safetensors")
    }

    @Test func offsetsBeyondTheDataSectionAreRejected() {
        let path = file([("a", entryJSON("F32", [26], 96, 200))], dataByteCount: 120)
        #expect(throws: SafeTensorsError.offsetsOutOfBounds(
            path: path, tensor: "a", dataOffsets: 96..<200, dataByteCount: 120)) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func spanDifferentFromShapeTimesDTypeSizeIsRejected() {
        // F32 [2, 3] needs 24 bytes; [0, 20) spans 20.
        let path = file([("a", entryJSON("F32", [2, 3], 0, 20))], dataByteCount: 20)
        #expect(throws: SafeTensorsError.byteCountMismatch(
            path: path, tensor: "a", dtype: .f32, shape: [2, 3], dataOffsets: 0..<20)) {
            try SafeTensorsFile(path: path)
        }
    }

    /// 2⁶¹ elements fit in Int, 2⁶¹ × 8 bytes do not: a mismatch, not a trap.
    @Test func byteCountOverflowIsAMismatchNotATrap() {
        let path = file([("a", entryJSON("I64", [1 << 61], 0, 8))], dataByteCount: 8)
        let error = SafeTensorsError.byteCountMismatch(
            path: path, tensor: "a", dtype: .i64, shape: [1 << 61], dataOffsets: 0..<8)
        #expect(throws: error) { try SafeTensorsFile(path: path) }
        #expect(error.description.contains("needs more than 9223372036854775807 bytes"))
    }

    @Test func overlappingTensorsAreRejectedNamingBoth() {
        let path = file([("a", entryJSON("F32", [2], 0, 8)), ("b", entryJSON("F32", [2], 4, 12))], dataByteCount: 12)
        #expect(throws: SafeTensorsError.overlappingTensors(
            path: path, tensor: "b", dataOffsets: 4..<12, other: "a", otherOffsets: 0..<8)) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func identicalRangesOverlap() {
        let path = file([("b", entryJSON("F32", [2], 0, 8)), ("a", entryJSON("F32", [2], 0, 8))], dataByteCount: 8)
        #expect(throws: SafeTensorsError.overlappingTensors(
            path: path, tensor: "b", dataOffsets: 0..<8, other: "a", otherOffsets: 0..<8)) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func zeroSizeTensorInsideAnotherOverlaps() {
        let path = file([("a", entryJSON("F32", [2], 0, 8)), ("z", entryJSON("F32", [0], 4, 4))], dataByteCount: 8)
        #expect(throws: SafeTensorsError.overlappingTensors(
            path: path, tensor: "z", dataOffsets: 4..<4, other: "a", otherOffsets: 0..<8)) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func holeBetweenTensorsIsRejected() {
        let path = file([("a", entryJSON("F32", [1], 0, 4)), ("b", entryJSON("F32", [1], 8, 12))], dataByteCount: 12)
        #expect(throws: SafeTensorsError.gap(path: path, unclaimed: 4..<8, after: "a")) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func holeAtTheStartIsRejected() {
        let path = file([("a", entryJSON("F32", [1], 4, 8))], dataByteCount: 8)
        #expect(throws: SafeTensorsError.gap(path: path, unclaimed: 0..<4, after: nil)) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func bytesAfterTheLastTensorAreRejected() {
        let path = file([("a", entryJSON("F32", [1], 0, 4))], dataByteCount: 8)
        #expect(throws: SafeTensorsError.gap(path: path, unclaimed: 4..<8, after: "a")) {
            try SafeTensorsFile(path: path)
        }
    }

    @Test func dataWithoutTensorsIsRejected() {
        let path = file([], dataByteCount: 3)
        #expect(throws: SafeTensorsError.gap(path: path, unclaimed: 0..<3, after: nil)) {
            try SafeTensorsFile(path: path)
        }
    }

    /// The first hole in offset order is the one reported.
    @Test func firstHoleIsReported() {
        let path = file([("c", entryJSON("U8", [1], 5, 6)), ("a", entryJSON("U8", [1], 0, 1)),
                         ("b", entryJSON("U8", [1], 2, 3))], dataByteCount: 6)
        #expect(throws: SafeTensorsError.gap(path: path, unclaimed: 1..<2, after: "a")) {
            try SafeTensorsFile(path: path)
        }
    }

    /// Header order is irrelevant: tiling is checked in offset order, `entries` come sorted by name.
    @Test func tensorsInAnyHeaderOrderAreSortedByName() throws {
        let path = file([("z", entryJSON("F32", [1], 0, 4)), ("m", entryJSON("F16", [2], 8, 12)),
                         ("a", entryJSON("I32", [1], 4, 8))], dataByteCount: 12)
        let file = try SafeTensorsFile(path: path)
        #expect(file.entries.map(\.name) == ["a", "m", "z"])
    }

    /// `dataRange` is absolute: 8 + N + data_offsets.
    @Test func dataRangesAreAbsoluteFileOffsets() throws {
        let header = headerJSON([("a", entryJSON("F32", [1], 0, 4)), ("b", entryJSON("U8", [3], 4, 7))])
        let path = dir.write(rawSafeTensors(header, data: patternBytes(7)), to: "m.safetensors")
        let file = try SafeTensorsFile(path: path)
        let n = header.utf8.count
        #expect(file.headerByteCount == n)
        #expect(file["a"] == SafeTensorsEntry(name: "a", dtype: .f32, shape: [1], dataRange: 8 + n ..< 12 + n))
        #expect(file["b"] == SafeTensorsEntry(name: "b", dtype: .u8, shape: [3], dataRange: 12 + n ..< 15 + n))
    }

    /// A dim of 0 means 0 bytes; such tensors may sit on any boundary, several at the same offset.
    @Test func zeroSizeTensorsAreAllowed() throws {
        let path = file([("a", entryJSON("F32", [0, 3], 0, 0)), ("b", entryJSON("F32", [1], 0, 4)),
                         ("c", entryJSON("I64", [2, 0], 4, 4)), ("d", entryJSON("BF16", [0], 4, 4))],
                        dataByteCount: 4)
        let file = try SafeTensorsFile(path: path)
        #expect(file.entries.map(\.name) == ["a", "b", "c", "d"])
        let a = try file.tensor("a")
        #expect(a.shape == [0, 3])
        #expect(a.byteCount == 0)
        #expect(try file.tensor("c").byteCount == 0)
    }

    @Test func onlyZeroSizeTensorsWithAnEmptyDataSection() throws {
        let path = file([("a", entryJSON("F32", [0], 0, 0))], dataByteCount: 0)
        let file = try SafeTensorsFile(path: path)
        #expect(try file.tensor("a").byteCount == 0)
    }

    /// Bounds and byte counts are checked per tensor (in name order) before tiling.
    @Test func boundsAreCheckedBeforeTiling() {
        let path = file([("a", entryJSON("F32", [1], 4, 8)), ("b", entryJSON("F32", [1], 8, 12))], dataByteCount: 8)
        #expect(throws: SafeTensorsError.offsetsOutOfBounds(path: path, tensor: "b", dataOffsets: 8..<12,
                                                            dataByteCount: 8)) {
            try SafeTensorsFile(path: path)
        }
    }
}
