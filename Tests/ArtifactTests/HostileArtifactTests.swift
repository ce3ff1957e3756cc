import Foundation
import ModelIR
import Testing
import TensorCore
@testable import Artifact

/// Files made to hurt the reader (`HostileArtifacts`) get their exact error, on opening or when
/// decoding, never a trap; and no single flipped byte of a good file is ever taken for good data.
@Suite final class HostileArtifactTests {
    /// Removed with everything in it when the test ends.
    let directory = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: directory) }
    let hostile: HostileArtifacts

    init() throws { hostile = try HostileArtifacts(directory: directory) }

    @Test(arguments: HostileArtifacts.Kind.allCases)
    func hostileFileGetsItsExactError(kind: HostileArtifacts.Kind) throws {
        let c = try hostile.make(kind)
        let path = directory + "/\(kind.rawValue).pare"
        try ArtifactFixtures.writeBytes(c.bytes, to: path)
        let expected = c.error(path)
        let opening = ArtifactFixtures.error { try ArtifactReader(path: path) }
        switch c.stage {
        case .open:
            #expect(opening == expected)
        case .decode:
            #expect(opening == nil)
            let reader = try ArtifactReader(path: path)
            #expect(reader.verify() == [expected])
            #expect(ArtifactFixtures.error { try reader.model() } == expected)
        }
        #expect(expected.description.hasPrefix(path + ": "))
    }

    /// Each byte of the preamble, the manifest frame and the footer, and every 97th byte of the
    /// data section (so some byte of every frame: the smallest is 117 bytes), with bit
    /// (offset mod 8) flipped: opening, `verify()` or `model()` must throw
    /// an `ArtifactError` (any other error fails the test, a trap ends it), or else read to exactly
    /// the good manifest and model. A few flips do read: RFC 8878 tells decoders to ignore bit 4
    /// of a frame header descriptor (offset 36, the manifest frame's), and some bits of a
    /// block's entropy tables do not change what it decodes to (zstd's content checksum and the
    /// SHA-256s both agree); no flip may change a decoded byte unnoticed.
    @Test func everyFlippedByteIsAnErrorOrChangesNothing() throws {
        let bytes = hostile.bytes, n = bytes.count
        let dataStart = hostile.dataStart, dataEnd = n - 56
        let offsets = Array(0..<dataStart) + Array(stride(from: dataStart, to: dataEnd, by: 97)) + Array(dataEnd..<n)
        let path = directory + "/flipped.pare"
        let good = try ArtifactReader(path: hostile.good).model()
        var harmless: [Int] = []
        for offset in offsets {
            var damaged = bytes
            damaged[offset] ^= 1 << UInt8(offset % 8)
            try ArtifactFixtures.writeBytes(damaged, to: path)
            let error = ArtifactFixtures.error { () throws in
                let reader = try ArtifactReader(path: path)
                if let problem = reader.verify().first { throw problem }
                #expect(reader.manifest == hostile.manifest, "flip at \(offset)")
                #expect(try reader.model() == good, "flip at \(offset)")
            }
            if error == nil { harmless.append(offset) }
        }
        #expect(harmless.contains(36))
        #expect(hostile.manifest.tensors.allSatisfy { r in offsets.contains { (dataStart + r.offset)..<(dataStart + r.offset + r.compressedBytes) ~= $0 } })
        #expect(harmless.count * 100 < offsets.count, "harmless flips at \(harmless)")
    }

    @Test func messagesSayWhereWhatAndWhatToDo() {
        let recompile = "the file is damaged or was not written by Pare; compile it again"
        #expect(ArtifactError.duplicateTensor(path: "m.pare", name: "embeddings.word").description
            == "m.pare: tensor table lists 'embeddings.word' twice (duplicate tensor name); \(recompile)")
        #expect(ArtifactError.tensorExpansion(path: "m.pare", name: "embeddings.word", bytes: 1 << 42, compressedBytes: 100).description
            == "m.pare: tensor 'embeddings.word' declares 4398046511104 bytes from a 100-byte frame, more than zstd can expand it (at most 32768×); \(recompile)")
        #expect(ArtifactError.tensorSizeMismatch(path: "m.pare", name: "w", spec: TensorSpec(dtype: .f32, shape: [1 << 40, 1 << 40]),
                                                 bytes: 8).description
            == "m.pare: tensor 'w' is f32[1099511627776, 1099511627776] (no valid byte count) but declares 8 bytes; \(recompile)")
        #expect(ArtifactError.skeletonOutOfBounds(path: "m.pare", violation: .init(field: "config.headCount", value: 0, range: 1...7))
            .description == "m.pare: the model's config.headCount is 0, outside 1…7; \(recompile)")
        #expect(ArtifactError.zstd(path: "m.pare", frame: "manifest", error: .headerSizeMismatch(expected: 10, header: 9)).description
            == "m.pare: manifest frame: zstd frame header records 9 decoded bytes, the manifest declares 10; the file is damaged, recompile it")
    }
}
