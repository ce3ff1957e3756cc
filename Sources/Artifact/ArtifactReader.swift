import ModelIR
import TensorCore

/// Reads a `.pare` artifact (layout: `ArtifactWriter`). `init` maps the file and checks all
/// framing and the whole tensor table before any offset is trusted; tensor bytes are decoded
/// (and their SHA-256 checked) only when asked for. A raw frame is not decoded: its tensor is
/// the mapped region itself (`TensorStorage.mapped`, 64-byte aligned), read from disk as it is
/// first touched. Immutable after init, hence `Sendable`.
public final class ArtifactReader: Sendable {
    public let path: String
    public let manifest: ArtifactManifest
    public let fileBytes: Int
    let file: MappedFile
    /// Absolute file offset of the data section.
    let dataStart: Int
    let dataBytes: Int
    /// Tensor name → index into `manifest.tensors`.
    private let index: [String: Int]

    /// Checks, in order: magic, preamble, file length against preamble and footer (truncation),
    /// footer fields, manifest size (≤ 256 MiB and ≤ 32768 × its frame) and SHA-256, manifest
    /// JSON, then every tensor record: names sorted and unique, bytes = dtype × shape, frame
    /// inside the data section, bytes ≤ 32768 × frame, frames disjoint, and the table's names,
    /// dtypes and shapes equal to the skeleton's; last the skeleton's numbers (`SkeletonBounds`)
    /// and the IR verifier on it. No declared size is allocated on trust: the manifest's memory
    /// follows what its frame really decodes to (`Zstd.decompress`).
    public init(path: String) throws(ArtifactError) {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw .file(error) }
        let framing = try ArtifactFraming(file: file, path: path)
        let manifest = try framing.manifest()
        try TensorTableCheck.check(manifest, dataStart: framing.dataRange.lowerBound, dataBytes: framing.dataBytes, path: path)
        if let violation = SkeletonBounds.violation(manifest.skeleton) {
            throw .skeletonOutOfBounds(path: path, violation: violation)
        }
        let problems = manifest.skeleton.verify()
        guard problems.isEmpty else { throw .invalidGraph(path: path, diagnostics: problems) }
        self.path = path
        self.file = file
        self.fileBytes = file.count
        self.manifest = manifest
        self.dataStart = framing.dataRange.lowerBound
        self.dataBytes = framing.dataBytes
        self.index = Dictionary(uniqueKeysWithValues: manifest.tensors.enumerated().map { ($1.name, $0) })
    }

    /// The record of tensor `name`.
    public func record(_ name: String) throws(ArtifactError) -> ArtifactManifest.TensorRecord {
        guard let i = index[name] else { throw .unknownTensor(path: path, name: name) }
        return manifest.tensors[i]
    }

    /// The stored (compressed) frame of `name`, as in the file.
    func frame(_ name: String) throws(ArtifactError) -> [UInt8] {
        let r = try record(name)
        return file.withBytes(in: (dataStart + r.offset)..<(dataStart + r.offset + r.compressedBytes)) { Array($0) }
    }

    /// Decodes tensor `name`: its frame must record `bytes` in its header and decode to exactly
    /// that (memory following what it really decodes to), then unshuffles and checks the
    /// SHA-256 of the result against the manifest. A raw frame's tensor is its mapped region,
    /// hashed and checked too unless `hashingRaw` is false (hashing reads every byte, at
    /// ~1.5 GB/s: longer than reading the file).
    public func tensor(_ name: String, hashingRaw: Bool = true) throws(ArtifactError) -> Tensor {
        let r = try record(name)
        let range = (dataStart + r.offset)..<(dataStart + r.offset + r.compressedBytes)
        if r.encoding == .raw {
            let tensor = Tensor(dtype: r.dtype, shape: Shape(r.shape), storage: .mapped(file, range))
            if hashingRaw { try check(tensor.withUnsafeBytes { SHA256Hex.of($0) }, r) }
            return tensor
        }
        let decoded = file.withBytes(in: range) { frame in
            Result { () throws(ZstdError) in try Zstd.decompress(frame, expectedSize: r.bytes) }
        }
        var bytes: [UInt8]
        switch decoded {
        case let .success(b): bytes = b
        case let .failure(error): throw .zstd(path: path, frame: "tensor '\(name)'", error: error)
        }
        if r.encoding == .zstdShuffled { bytes = ByteShuffle.unshuffle(bytes, elementSize: r.dtype.size) }
        try check(SHA256Hex.of(bytes), r)
        return Tensor(dtype: r.dtype, shape: Shape(r.shape), bytes: bytes)
    }

    private func check(_ sha: String, _ r: ArtifactManifest.TensorRecord) throws(ArtifactError) {
        guard sha == r.sha256 else { throw .checksumMismatch(path: path, name: r.name, expected: r.sha256, actual: sha) }
    }

    /// Decodes and checks every tensor; one error per bad tensor, in table order; empty = OK.
    public func verify() -> [ArtifactError] {
        manifest.tensors.compactMap { r -> ArtifactError? in
            do throws(ArtifactError) {
                _ = try tensor(r.name)
                return nil
            } catch {
                return error
            }
        }
    }

    /// The model: the skeleton with every zstd tensor decoded and checked, then the IR verifier.
    /// Raw frames are mapped (their reads from disk started at once, `MappedFile.willNeed`) and
    /// hashed only with `hashingRaw`: loading then costs what reading the file costs, and
    /// `verify()` (`pare verify`) checks every SHA-256.
    public func model(hashingRaw: Bool = false) throws(ArtifactError) -> Model {
        for r in manifest.tensors where r.encoding == .raw {
            file.willNeed((dataStart + r.offset)..<(dataStart + r.offset + r.compressedBytes))
        }
        let model: Model
        do {
            model = try manifest.skeleton.mapNamed { name, _ in try tensor(name, hashingRaw: hashingRaw) }
        } catch let error as ArtifactError {
            throw error
        } catch {
            preconditionFailure("tensor(_:) throws only ArtifactError")
        }
        let problems = model.verify()
        guard problems.isEmpty else { throw .invalidGraph(path: path, diagnostics: problems) }
        return model
    }
}
