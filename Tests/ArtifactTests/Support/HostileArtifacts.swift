import Foundation
import ModelIR
import TensorCore
@testable import Artifact

/// Hostile `.pare` files made from a good tiny-bert artifact, each with the exact error the reader
/// owes it and when (on opening, or when `verify()` decodes). One catalogue for the reader-level
/// tests (`HostileArtifactTests`) and the memory-capped `pare verify` runs
/// (`HostileArtifactCommandTests`). The declared sizes are large (32 MiB to 4 TiB) so that
/// allocating any of them up front, as the reader once did, shows in the peak RSS.
struct HostileArtifacts {
    enum Kind: String, CaseIterable, Sendable {
        /// The preamble's manifest frame length M = 2⁶⁴ − 1.
        case manifestFrameBeyondTheFile = "manifest-frame-beyond-the-file"
        /// M = the file's length − 32: the frame would run over the data and the footer.
        case manifestFrameOverTheFooter = "manifest-frame-over-the-footer"
        /// D = 256 MiB (the limit) for a 12-byte frame.
        case manifestDeclared256MiBSmallFrame = "manifest-declared-256MiB-small-frame"
        /// A real frame of 64 MiB of zeros (2 KiB) with D = 32 MiB.
        case manifestBombDeclaredSmaller = "manifest-bomb-declared-smaller"
        /// A frame whose header records D = 120 MiB but whose blocks make 3 MiB.
        case manifestHeaderLies = "manifest-header-lies"
        /// A frame whose header records no content size.
        case manifestWithoutContentSize = "manifest-without-content-size"
        /// embeddings.word: a real frame of 64 MiB of zeros declared 32 MiB.
        case tensorBombDeclaredSmaller = "tensor-bomb-declared-smaller"
        /// embeddings.word: a real frame of 64 MiB of zeros declared 128 MiB, beyond what 2 KiB can hold.
        case tensorBombDeclaredLarger = "tensor-bomb-declared-larger"
        /// embeddings.word: a frame whose header records the declared 120 MiB, whose blocks make 3 MiB.
        case tensorHeaderLies = "tensor-header-lies"
        /// embeddings.word declared [2²⁰, 2²⁰] f32 (4 TiB) with its own small frame.
        case hugeShape = "huge-shape"
        /// embeddings.word declared [2⁴⁰, 2⁴⁰]: its byte count overflows.
        case overflowingShape = "overflowing-shape"
        /// config.headCount = 0 (d / H would divide by zero).
        case zeroHeads = "zero-heads"
        /// blocks.0.attention.q.inFeatures = 2⁴⁰ (2·n·in·out would overflow).
        case hugeInFeatures = "huge-in-features"
        /// config.layerCount = blocks + 5: in bounds, but the verifier refuses it.
        case inconsistentSkeleton = "inconsistent-skeleton"
        /// The first tensor record listed twice.
        case duplicateName = "duplicate-name"
    }

    enum Stage: Sendable { case open, decode }

    struct Case {
        let bytes: [UInt8]
        let stage: Stage
        /// The error for this file at a path.
        let error: (String) -> ArtifactError
    }

    let directory: String
    /// The good artifact (tiny-bert, `ArtifactFixtures.write`), its bytes, manifest and frames.
    let good: String
    let bytes: [UInt8]
    let manifest: ArtifactManifest
    let frames: [[UInt8]]
    let preamble: ArtifactLayout.Preamble
    /// The data section's first byte: 32 + M, padded to a multiple of 64 (format version 2).
    var dataStart: Int { ArtifactLayout.dataStart(version: preamble.version, manifestFrameBytes: Int(preamble.manifestFrameBytes)) }
    /// A real frame of 64 MiB of zeros (2071 bytes with zstd 1.5.4).
    let zeros64MiB = Zstd.compress([UInt8](repeating: 0, count: 64 << 20), level: 1)
    /// 24 full RLE blocks (3 MiB) and 976 one-byte ones, under a header recording 120 MiB.
    let lying120MiB = HandMadeFrames.rle(contentSize: 120 << 20,
                                         runs: Array(repeating: 128 << 10, count: 24) + Array(repeating: 1, count: 976))

    init(directory: String) throws {
        self.directory = directory
        good = directory + "/good.pare"
        try ArtifactFixtures.write(try ArtifactFixtures.model("tiny-bert"), fixture: "tiny-bert", to: good)
        bytes = try ArtifactFixtures.bytes(good)
        let reader = try ArtifactReader(path: good)
        manifest = reader.manifest
        frames = try manifest.tensors.map { r throws(ArtifactError) in try reader.frame(r.name) }
        preamble = ArtifactLayout.Preamble(Array(bytes[0..<32]))
    }

    func make(_ kind: Kind) throws -> Case {
        let n = bytes.count, word = manifest.tensors.firstIndex { $0.name == "embeddings.word" }!
        let tensor = "tensor 'embeddings.word'"
        switch kind {
        case .manifestFrameBeyondTheFile:
            return Case(bytes: withPreamble(manifestFrameBytes: .max), stage: .open) {
                .truncated(path: $0, expected: .max, actual: n)
            }
        case .manifestFrameOverTheFooter:
            return Case(bytes: withPreamble(manifestFrameBytes: UInt64(n - 32)), stage: .open) {
                .truncated(path: $0, expected: ArtifactLayout.aligned(n) + 56, actual: n)
            }
        case .manifestDeclared256MiBSmallFrame:
            let frame = Zstd.compress(Array("{}".utf8))
            return Case(bytes: withManifestFrame(frame, declared: 256 << 20), stage: .open) {
                .corruptManifest(path: $0, reason: "it declares \(256 << 20) bytes from a \(frame.count)-byte frame, more than zstd can expand it (at most 32768×)")
            }
        case .manifestBombDeclaredSmaller:
            return Case(bytes: withManifestFrame(zeros64MiB, declared: 32 << 20), stage: .open) {
                .zstd(path: $0, frame: "manifest", error: .headerSizeMismatch(expected: 32 << 20, header: 64 << 20))
            }
        case .manifestHeaderLies:
            return Case(bytes: withManifestFrame(lying120MiB, declared: 120 << 20), stage: .open) {
                .zstd(path: $0, frame: "manifest", error: .corrupt(reason: "Data corruption detected"))
            }
        case .manifestWithoutContentSize:
            return Case(bytes: withManifestFrame(HandMadeFrames.withoutContentSize(runs: [100]), declared: 100), stage: .open) {
                .zstd(path: $0, frame: "manifest", error: .corrupt(reason: "the frame header does not record the content size"))
            }
        case .tensorBombDeclaredSmaller:
            return Case(bytes: try withWord(rows: (32 << 20) / 128, frame: zeros64MiB), stage: .decode) {
                .zstd(path: $0, frame: tensor, error: .headerSizeMismatch(expected: 32 << 20, header: 64 << 20))
            }
        case .tensorBombDeclaredLarger:
            return Case(bytes: try withWord(rows: (128 << 20) / 128, frame: zeros64MiB), stage: .open) {
                .tensorExpansion(path: $0, name: "embeddings.word", bytes: 128 << 20, compressedBytes: zeros64MiB.count)
            }
        case .tensorHeaderLies:
            return Case(bytes: try withWord(rows: (120 << 20) / 128, frame: lying120MiB), stage: .decode) {
                .zstd(path: $0, frame: tensor, error: .corrupt(reason: "Data corruption detected"))
            }
        case .hugeShape:
            return Case(bytes: try withWord(rows: 1 << 20, columns: 1 << 20, frame: frames[word]), stage: .open) {
                .tensorExpansion(path: $0, name: "embeddings.word", bytes: 1 << 42, compressedBytes: frames[word].count)
            }
        case .overflowingShape:
            let bytes = try rewritten { m, _ in m.tensors[word].shape = [1 << 40, 1 << 40] }
            return Case(bytes: bytes, stage: .open) {
                .tensorSizeMismatch(path: $0, name: "embeddings.word", spec: TensorSpec(dtype: .f32, shape: [1 << 40, 1 << 40]),
                                    bytes: manifest.tensors[word].bytes)
            }
        case .zeroHeads:
            return Case(bytes: try rewritten { m, _ in m.skeleton.config.headCount = 0 }, stage: .open) {
                .skeletonOutOfBounds(path: $0, violation: .init(field: "config.headCount", value: 0, range: 1...Int(Int32.max)))
            }
        case .hugeInFeatures:
            return Case(bytes: try rewritten { m, _ in m.skeleton.blocks[0].attention.q.inFeatures = 1 << 40 }, stage: .open) {
                .skeletonOutOfBounds(path: $0, violation: .init(field: "blocks.0.attention.q.inFeatures", value: 1 << 40,
                                                                 range: 0...Int(Int32.max)))
            }
        case .inconsistentSkeleton:
            let blocks = manifest.skeleton.blocks.count
            return Case(bytes: try rewritten { m, _ in m.skeleton.config.layerCount = blocks + 5 }, stage: .open) {
                .invalidGraph(path: $0, diagnostics: [
                    Diagnostic(.error, at: "model", "config says \(blocks + 5) layers but the graph has \(blocks) blocks"),
                ])
            }
        case .duplicateName:
            return Case(bytes: try rewritten { m, f in m.tensors.insert(m.tensors[0], at: 1); f.insert(f[0], at: 1) }, stage: .open) {
                .duplicateTensor(path: $0, name: manifest.tensors[0].name)
            }
        }
    }

    /// The good file with the preamble's M replaced (nothing else changes).
    func withPreamble(manifestFrameBytes: UInt64) -> [UInt8] {
        var p = preamble
        p.manifestFrameBytes = manifestFrameBytes
        return p.encoded + bytes[32...]
    }

    /// The good file with its manifest frame replaced by `frame` declared to decode to
    /// `declared` bytes, lengths in preamble and footer updated; the footer keeps the good
    /// manifest's SHA-256 (each case fails before it is compared).
    func withManifestFrame(_ frame: [UInt8], declared: UInt64) -> [UInt8] {
        let data = bytes[dataStart..<(bytes.count - 56)]
        var p = preamble, footer = ArtifactLayout.Footer(Array(bytes.suffix(56)))
        (p.manifestFrameBytes, p.manifestBytes) = (UInt64(frame.count), declared)
        let padding = ArtifactLayout.padding(version: p.version, manifestFrameBytes: frame.count)
        footer.totalBytes = UInt64(32 + frame.count + padding.count + data.count + 56)
        return p.encoded + frame + padding + data + footer.encoded
    }

    /// embeddings.word declared [rows, columns] f32 in the tensor table and the skeleton (and
    /// the vocabulary `rows`), stored as `frame`; `columns` defaults to the hidden size.
    func withWord(rows: Int, columns: Int? = nil, frame: [UInt8]) throws -> [UInt8] {
        try rewritten { m, f in
            let i = m.tensors.firstIndex { $0.name == "embeddings.word" }!
            let shape = [rows, columns ?? m.tensors[i].shape[1]]
            m.tensors[i].shape = shape
            m.tensors[i].bytes = shape[0] * shape[1] * 4
            m.skeleton.embeddings.word.shape = Shape(shape)
            m.skeleton.config.vocabSize = rows
            f[i] = frame
        }
    }

    /// The good artifact with `edit` applied to its manifest and frames, frames laid out again
    /// (offsets, lengths), assembled by the writer's hook: a footer SHA-256 that matches.
    func rewritten(_ edit: (inout ArtifactManifest, inout [[UInt8]]) -> Void) throws -> [UInt8] {
        var m = manifest, f = frames
        edit(&m, &f)
        var offset = 0
        for (i, frame) in f.enumerated() {
            (m.tensors[i].offset, m.tensors[i].compressedBytes) = (offset, frame.count)
            offset += frame.count
        }
        let path = directory + "/rewritten-\(UUID().uuidString).pare"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ArtifactWriter.writeFile(manifest: m, frames: f, to: path, inputs: [], level: 1)
        return try ArtifactFixtures.bytes(path)
    }
}
