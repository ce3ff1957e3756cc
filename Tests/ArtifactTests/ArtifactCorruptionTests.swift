import Foundation
import ModelIR
import Testing
import TensorCore
@testable import Artifact

/// Every kind of damage is caught with its exact error, before any offset is trusted.
@Suite final class ArtifactCorruptionTests {
    /// Removed with everything in it when the test ends.
    let directory = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: directory) }
    let original: String
    let bytes: [UInt8]
    /// M, the manifest frame's length, and the data section's first byte (after the padding
    /// to a multiple of 64 of format version 2).
    let manifestFrameBytes: Int
    var dataStart: Int { ArtifactLayout.dataStart(version: 2, manifestFrameBytes: manifestFrameBytes) }

    init() throws {
        original = directory + "/good.pare"
        try ArtifactFixtures.write(try ArtifactFixtures.model("tiny-bert"), fixture: "tiny-bert", to: original)
        bytes = try ArtifactFixtures.bytes(original)
        manifestFrameBytes = Int(ArtifactLayout.Preamble(Array(bytes[0..<32])).manifestFrameBytes)
    }

    /// Writes `damaged` and returns the error `ArtifactReader(path:)` throws for it.
    func openError(_ damaged: [UInt8], _ name: String = "bad.pare") throws -> (String, ArtifactError?) {
        let path = directory + "/" + name
        try ArtifactFixtures.writeBytes(damaged, to: path)
        return (path, ArtifactFixtures.error { try ArtifactReader(path: path) })
    }

    @Test func badMagic() throws {
        var damaged = bytes
        damaged[0] = UInt8(ascii: "X")
        let (path, error) = try openError(damaged)
        #expect(error == .notAnArtifact(path: path))
        let (textPath, textError) = try openError(Array("{\"not\": \"pare\"}".utf8), "text.pare")
        #expect(textError == .notAnArtifact(path: textPath))
    }

    @Test func wrongVersionAndFlags() throws {
        var damaged = bytes
        damaged[8] = 3
        let (path, error) = try openError(damaged)
        #expect(error == .unsupportedVersion(path: path, found: 3, supported: 2))
        #expect(error?.description == "\(path): artifact format version 3, this pare reads versions 1 to 2; use a matching pare or compile again")
        damaged = bytes
        damaged[12] = 1
        let (flagsPath, flagsError) = try openError(damaged, "flags.pare")
        #expect(flagsError == .unsupportedFlags(path: flagsPath, flags: 1))
    }

    /// Cut points: inside the magic and the preamble (least length 32 + 56), inside the manifest
    /// frame (least length 32 + M + padding + 56), and inside the data and the footer, where the manifest
    /// still reads and gives the exact length.
    @Test func truncationAtEveryPartIsReportedWithTheExpectedLength() throws {
        let n = bytes.count
        let cuts: [(Int, Int)] = [
            (5, 88), (20, 88), (32, dataStart + 56), (32 + manifestFrameBytes / 2, dataStart + 56),
            (dataStart, n), (dataStart + 1000, n), (n - 56, n), (n - 30, n), (n - 1, n),
        ]
        for (cut, expected) in cuts {
            let (path, error) = try openError(Array(bytes[0..<cut]), "cut-\(cut).pare")
            #expect(error == .truncated(path: path, expected: expected, actual: cut), "cut at \(cut)")
        }
    }

    @Test func footerThatContradictsTheFile() throws {
        var damaged = bytes
        damaged[damaged.count - 16] ^= 0x01 // low byte of the total length
        let (path, error) = try openError(damaged)
        #expect(error == .corruptFooter(path: path, reason: "it declares a \(bytes.count ^ 1)-byte file but the file has \(bytes.count) bytes"))

        var endMarker = bytes
        endMarker[endMarker.count - 1] = 0
        let (markerPath, markerError) = try openError(endMarker, "marker.pare")
        #expect(markerError == .corruptFooter(path: markerPath, reason: "the file does not end with the end marker PAREEND"))
    }

    @Test func manifestChecksumAndFrameDamage() throws {
        var damaged = bytes
        let shaStart = bytes.count - 48
        damaged[shaStart] ^= 0xFF
        let (path, error) = try openError(damaged)
        let good = SHA256Hex.hex(bytes[shaStart..<(shaStart + 32)])
        let bad = SHA256Hex.hex(damaged[shaStart..<(shaStart + 32)])
        #expect(error == .corruptManifest(path: path, reason: "its SHA-256 \(good) differs from the footer's \(bad)"))

        var frame = bytes
        frame[32 + manifestFrameBytes - 1] ^= 0xFF // inside the manifest frame's content checksum
        let (framePath, frameError) = try openError(frame, "frame.pare")
        #expect(frameError == .zstd(path: framePath, frame: "manifest", error: .corrupt(reason: "Restored data doesn't match checksum")))
    }

    /// A flipped byte in a tensor's frame is found by `tensor(_:)` and `verify()`, not by `init`
    /// (which reads no tensor bytes).
    @Test func flippedTensorFrameByte() throws {
        let reader = try ArtifactReader(path: original)
        let r = try reader.record("embeddings.word")
        var damaged = bytes
        damaged[dataStart + r.offset + r.compressedBytes - 1] ^= 0xFF // zstd's content checksum
        let (path, error) = try openError(damaged)
        #expect(error == nil)
        let damagedReader = try ArtifactReader(path: path)
        let expected = ArtifactError.zstd(path: path, frame: "tensor 'embeddings.word'",
                                          error: .corrupt(reason: "Restored data doesn't match checksum"))
        #expect(ArtifactFixtures.error { try damagedReader.tensor("embeddings.word") } == expected)
        #expect(damagedReader.verify() == [expected])
        #expect(ArtifactFixtures.error { try damagedReader.model() } == expected)

        // Mid-frame damage: whichever check trips first, it names this tensor.
        var middle = bytes
        middle[dataStart + r.offset + r.compressedBytes / 2] ^= 0x55
        let (middlePath, _) = try openError(middle, "middle.pare")
        switch ArtifactFixtures.error({ try ArtifactReader(path: middlePath).tensor("embeddings.word") }) {
        case let .zstd(p, frame, _): #expect(p == middlePath && frame == "tensor 'embeddings.word'")
        case let .checksumMismatch(p, name, _, _): #expect(p == middlePath && name == "embeddings.word")
        case let other: Issue.record("unexpected \(String(describing: other))")
        }
    }

    // MARK: Doctored manifests, written through the writer's internal assembly hook.

    /// Rewrites the artifact with `edit` applied to its manifest, keeping the tensor frames.
    func doctored(_ name: String, _ edit: (inout ArtifactManifest) -> Void) throws -> (String, ArtifactError?) {
        let reader = try ArtifactReader(path: original)
        let frames = try reader.manifest.tensors.map { r throws(ArtifactError) in try reader.frame(r.name) }
        var manifest = reader.manifest
        edit(&manifest)
        let path = directory + "/" + name
        try ArtifactWriter.writeFile(manifest: manifest, frames: frames, to: path, inputs: [], level: 3)
        return (path, ArtifactFixtures.error { try ArtifactReader(path: path) })
    }

    @Test func tensorOffsetOutsideTheDataSection() throws {
        let reader = try ArtifactReader(path: original)
        let dataBytes = reader.dataBytes
        let (path, error) = try doctored("offset.pare") { $0.tensors[3].offset = dataBytes - 10 }
        let r = reader.manifest.tensors[3]
        #expect(error == .tensorOutOfBounds(path: path, name: r.name, offset: dataBytes - 10,
                                            compressedBytes: r.compressedBytes, dataBytes: dataBytes))
        let (negPath, negError) = try doctored("negative.pare") { $0.tensors[0].offset = -1 }
        #expect(negError == .tensorOutOfBounds(path: negPath, name: reader.manifest.tensors[0].name, offset: -1,
                                               compressedBytes: reader.manifest.tensors[0].compressedBytes, dataBytes: dataBytes))
    }

    @Test func overlappingFrames() throws {
        let names = try ArtifactReader(path: original).manifest.tensors.map(\.name)
        let (path, error) = try doctored("overlap.pare") { $0.tensors[2].offset = $0.tensors[1].offset + 1 }
        #expect(error == .tensorsOverlap(path: path, first: names[1], second: names[2]))
    }

    @Test func tableInconsistentWithItselfOrTheSkeleton() throws {
        let t = try ArtifactReader(path: original).manifest.tensors
        let (sizePath, sizeError) = try doctored("size.pare") { $0.tensors[0].bytes += 4 }
        #expect(sizeError == .tensorSizeMismatch(path: sizePath, name: t[0].name, spec: t[0].spec, bytes: t[0].bytes + 4))

        let (orderPath, orderError) = try doctored("order.pare") { $0.tensors.swapAt(0, 1) }
        #expect(orderError == .tensorTableOrder(path: orderPath, name: t[0].name, previous: t[1].name))

        let (missingPath, missingError) = try doctored("missing.pare") { $0.tensors.removeLast() }
        #expect(missingError == .missingTensor(path: missingPath, name: t.last!.name))

        let (extraPath, extraError) = try doctored("extra.pare") { $0.skeleton.head.pooler = nil }
        #expect(extraError == .unexpectedTensor(path: extraPath, name: "head.pooler.bias"))

        let word = t.firstIndex { $0.name == "embeddings.word" }!
        let (shapePath, shapeError) = try doctored("shape.pare") { $0.tensors[word].shape = [100, 64] }
        #expect(shapeError == .shapeMismatch(path: shapePath, name: "embeddings.word",
                                             table: TensorSpec(dtype: .f32, shape: [100, 64]),
                                             skeleton: TensorSpec(dtype: .f32, shape: [200, 32])))
    }

    @Test func wrongTensorChecksum() throws {
        let zero = String(repeating: "0", count: 64)
        let (path, error) = try doctored("sha.pare") { $0.tensors[0].sha256 = zero }
        #expect(error == nil)
        let reader = try ArtifactReader(path: path)
        let r = reader.manifest.tensors[0]
        let actual = try ArtifactReader(path: original).manifest.tensors[0].sha256
        let expected = ArtifactError.checksumMismatch(path: path, name: r.name, expected: zero, actual: actual)
        #expect(ArtifactFixtures.error { try reader.tensor(r.name) } == expected)
        #expect(reader.verify() == [expected])
    }

    @Test func manifestVersionMustMatchThePreamble() throws {
        let (path, error) = try doctored("v.pare") { $0.formatVersion = 3 }
        #expect(error == .unsupportedVersion(path: path, found: 3, supported: 2))
        // Same version in the preamble, another in the manifest JSON:
        var manifest = try ArtifactReader(path: original).manifest
        manifest.formatVersion = 1
        let json = String(decoding: try ManifestCoding.encode(manifest), as: UTF8.self)
            .replacingOccurrences(of: "\"formatVersion\":1", with: "\"formatVersion\":3")
        let frame = Zstd.compress(Array(json.utf8))
        var file = ArtifactLayout.Preamble(version: 1, flags: 0, manifestFrameBytes: UInt64(frame.count),
                                           manifestBytes: UInt64(json.utf8.count)).encoded + frame
        let data = Array(bytes[dataStart..<(bytes.count - 56)])
        file += data
        file += ArtifactLayout.Footer(dataBytes: UInt64(data.count), manifestSHA256: SHA256Hex.digest(Array(json.utf8)),
                                      totalBytes: UInt64(file.count + 56)).encoded
        let (jsonPath, jsonError) = try openError(file, "json.pare")
        #expect(jsonError == .corruptManifest(path: jsonPath, reason: "it says format version 3, the preamble 1"))
    }

    @Test func manifestThatIsNotAManifest() throws {
        let json = Array(#"{"formatVersion":1}"#.utf8)
        let frame = Zstd.compress(json)
        var file = ArtifactLayout.Preamble(version: 1, flags: 0, manifestFrameBytes: UInt64(frame.count),
                                           manifestBytes: UInt64(json.count)).encoded + frame
        file += ArtifactLayout.Footer(dataBytes: 0, manifestSHA256: SHA256Hex.digest(json),
                                      totalBytes: UInt64(file.count + 56)).encoded
        let (path, error) = try openError(file)
        #expect(error == .corruptManifest(path: path, reason: "missing key 'tool' at (root)"))

        let huge = ArtifactLayout.Preamble(version: 1, flags: 0, manifestFrameBytes: UInt64(frame.count),
                                           manifestBytes: 1 << 40).encoded + frame
            + ArtifactLayout.Footer(dataBytes: 0, manifestSHA256: SHA256Hex.digest(json),
                                    totalBytes: UInt64(32 + frame.count + 56)).encoded
        let (hugePath, hugeError) = try openError(huge, "huge.pare")
        #expect(hugeError == .corruptManifest(path: hugePath, reason: "it declares 1099511627776 bytes, more than the 256 MiB limit"))
    }

    @Test func missingFileAndDirectory() {
        let path = directory + "/nope.pare"
        #expect(ArtifactFixtures.error { try ArtifactReader(path: path) }
                == .file(.cannotOpen(path: path, reason: "No such file or directory")))
        #expect(ArtifactFixtures.error { try ArtifactReader(path: directory) } == .file(.notARegularFile(path: directory)))
    }
}
