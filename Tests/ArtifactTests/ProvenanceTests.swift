import Foundation
import Testing
@testable import Artifact

/// Input files are recorded with their length and SHA-256.
@Suite final class ProvenanceTests {
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    /// Oracle: the FIPS 180-2 test vectors for "abc" and "".
    @Test func hashingAFileGivesItsSHA256() throws {
        try ArtifactFixtures.writeBytes(Array("abc".utf8), to: scratch + "/abc")
        try ArtifactFixtures.writeBytes([], to: scratch + "/empty")
        #expect(try ArtifactManifest.Provenance.InputFile.hashing(file: scratch + "/abc", as: "abc")
            == .init(name: "abc", bytes: 3, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        #expect(try ArtifactManifest.Provenance.InputFile.hashing(file: scratch + "/empty", as: "e").sha256
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ArtifactFixtures.error { try ArtifactManifest.Provenance.InputFile.hashing(file: scratch + "/no", as: "no") }
            == .file(.cannotOpen(path: scratch + "/no", reason: "No such file or directory")))
    }
}
