import Foundation
import ModelIR
import TensorCore
@testable import Artifact

/// Streaming writes of fixture models, and their oracle: the artifact assembled in memory.
enum StreamingFixtures {
    /// `model`'s tensors as a layer-by-layer compile hands them over: grouped by block
    /// (`blocks.3.…`, `decoder.blocks.0.…`; everything else is one group), the groups and the
    /// tensors inside each in an order shuffled by `seed`.
    static func blockByBlock(_ model: Model, seed: UInt64) -> [[(name: String, tensor: Tensor)]] {
        var groups: [String: [(name: String, tensor: Tensor)]] = [:]
        for (name, tensor) in model.namedTensors {
            let parts = name.split(separator: ".")
            let key = parts.first == "blocks" ? parts.prefix(2).joined(separator: ".")
                : parts.first == "decoder" && parts.dropFirst().first == "blocks" ? parts.prefix(3).joined(separator: ".") : ""
            groups[key, default: []].append((name, tensor))
        }
        var rng = SplitMix64(seed: seed)
        return groups.keys.sorted().shuffled(using: &rng).map { groups[$0]!.shuffled(using: &rng) }
    }

    /// Streams `model` to `path` in `batches` (default: block by block, shuffled) and finishes
    /// with the fixture's fields (those `ArtifactFixtures.write` uses).
    @discardableResult
    static func write(_ model: Model, fixture: String, to path: String, options: ArtifactWriter.Options = .init(),
                      batches: [[(name: String, tensor: Tensor)]]? = nil, seed: UInt64 = 1) throws -> ArtifactManifest {
        let writer = try StreamingArtifactWriter(path: path, inputs: [], options: options)
        for batch in batches ?? blockByBlock(model, seed: seed) { try writer.add(batch) }
        return try finish(writer, model, fixture: fixture)
    }

    static func finish(_ writer: StreamingArtifactWriter, _ model: Model, fixture: String) throws -> ArtifactManifest {
        try writer.finish(skeleton: model.skeleton, sourceConfig: try ArtifactFixtures.sourceConfig(fixture),
                          tokenizerFiles: try ArtifactFixtures.tokenizerFiles(fixture), passLog: ArtifactFixtures.passLog,
                          provenance: ArtifactFixtures.provenance, extensions: ArtifactFixtures.extensions)
    }

    /// Oracle: the artifact as the writer made it before frames were spooled — every frame in
    /// memory, the table built from the name-sorted tensors, assembled by `ArtifactWriter.writeFile`.
    static func inMemory(_ model: Model, fixture: String, options: ArtifactWriter.Options = .init(),
                         scratch: String) throws -> [UInt8] {
        let named = model.namedTensors.sorted { $0.name < $1.name }
        let policy = RawFramePolicy(minBytes: options.rawFrameMinBytes)
        let frames = named.map { FrameEncoder.encode($0.tensor, level: options.level, shuffleFloats: options.shuffleFloats, raw: policy) }
        // Back to back, a raw frame moved up to the next multiple of 64 with zeros before it.
        var records: [ArtifactManifest.TensorRecord] = [], chunks: [[UInt8]] = [], offset = 0
        for ((name, tensor), frame) in zip(named, frames) {
            let start = frame.encoding == .raw ? (offset + 63) / 64 * 64 : offset
            records.append(.init(name: name, dtype: tensor.dtype, shape: tensor.shape.dims, encoding: frame.encoding, offset: start,
                                 compressedBytes: frame.frame.count, bytes: tensor.byteCount, sha256: frame.sha256))
            chunks += [[UInt8](repeating: 0, count: start - offset), frame.frame]
            offset = start + frame.frame.count
        }
        let manifest = ArtifactManifest(
            skeleton: model.skeleton, sourceConfig: try ArtifactFixtures.sourceConfig(fixture),
            tokenizerFiles: try ArtifactFixtures.tokenizerFiles(fixture), passLog: ArtifactFixtures.passLog,
            provenance: ArtifactFixtures.provenance, extensions: ArtifactFixtures.extensions, tensors: records)
        let path = scratch + "/in-memory-\(UUID().uuidString).pare"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ArtifactWriter.writeFile(manifest: manifest, frames: chunks, to: path, inputs: [], level: options.level)
        return try ArtifactFixtures.bytes(path)
    }

    /// The open descriptors of this process that point at a deleted spool beside `path`.
    static func openSpools(beside path: String) throws -> [String] {
        let url = URL(fileURLWithPath: path)
        let resolved = url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
        return try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { fd in
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)
            return target.flatMap { $0.hasPrefix(resolved + ".tmp-") && $0.contains(".spool-") ? $0 : nil }
        }
    }
}
