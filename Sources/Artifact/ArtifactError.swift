import ModelIR
import SafeTensors
import TensorCore

/// Why an artifact could not be written, read or exported. Each case carries what its message
/// needs, so tests match errors exactly; `description` reads `<where>: <what>; <what to do>`.
public enum ArtifactError: Error, Equatable, Sendable {
    // MARK: Framing (preamble, footer, lengths)

    /// The file does not start with the magic `PARE\r\n\u{1A}\n`.
    case notAnArtifact(path: String)
    /// The preamble's format version is not one this build reads; `supported` is the newest it reads.
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// The preamble's flags are not 0 (a feature this build does not know).
    case unsupportedFlags(path: String, flags: UInt32)
    /// The file is shorter than its preamble, manifest or footer say. `expected` is exact when
    /// the manifest could be read, else the least length the preamble implies.
    case truncated(path: String, expected: Int, actual: Int)
    /// The footer's fields contradict the file (and the file is not simply cut short).
    case corruptFooter(path: String, reason: String)

    // MARK: Manifest

    /// The manifest does not decode, is too large, or fails its checksum.
    case corruptManifest(path: String, reason: String)
    /// A tensor's frame [offset, offset + compressedBytes) is not inside the data section.
    case tensorOutOfBounds(path: String, name: String, offset: Int, compressedBytes: Int, dataBytes: Int)
    /// Two tensors' frames share bytes.
    case tensorsOverlap(path: String, first: String, second: String)
    /// `bytes` is not shape.count · dtype.size.
    case tensorSizeMismatch(path: String, name: String, spec: TensorSpec, bytes: Int)
    /// The tensor table is not strictly sorted by name (an out-of-order name).
    case tensorTableOrder(path: String, name: String, previous: String)
    /// The tensor table lists a name twice (in a row, as it is sorted).
    case duplicateTensor(path: String, name: String)
    /// `bytes` is more than a `compressedBytes`-byte frame can decode to (`Zstd.maxExpansion`).
    case tensorExpansion(path: String, name: String, bytes: Int, compressedBytes: Int)
    /// A raw frame's length is not the tensor's, or its file offset is not 64-byte aligned.
    case invalidRawFrame(path: String, name: String, reason: String)
    /// The skeleton names a tensor the table does not have.
    case missingTensor(path: String, name: String)
    /// The table has a tensor the skeleton does not name.
    case unexpectedTensor(path: String, name: String)
    /// The table and the skeleton disagree on a tensor's dtype or shape.
    case shapeMismatch(path: String, name: String, table: TensorSpec, skeleton: TensorSpec)
    /// A count, width or dimension of the skeleton lies outside `SkeletonBounds`.
    case skeletonOutOfBounds(path: String, violation: SkeletonBounds.Violation)

    // MARK: Tensors

    /// `tensor(_:)` was asked for a name the artifact does not have.
    case unknownTensor(path: String, name: String)
    /// A frame decoded, but not to the bytes the manifest's SHA-256 describes.
    case checksumMismatch(path: String, name: String, expected: String, actual: String)
    /// A frame (`manifest` or a tensor name) is not a valid zstd frame of the declared size.
    case zstd(path: String, frame: String, error: ZstdError)
    /// The graph fails the IR verifier (when written, or as rebuilt from the artifact).
    case invalidGraph(path: String, diagnostics: [Diagnostic])

    // MARK: Writing and export

    /// `ArtifactWriter.Options.level` is outside 1…19.
    case invalidLevel(Int)
    /// The manifest cannot be encoded as JSON (e.g. NaN or ∞ in `extensions`).
    case unencodableManifest(path: String, reason: String)
    /// `StreamingArtifactWriter.add` got a tensor name already added.
    case tensorAddedTwice(path: String, name: String)
    /// `StreamingArtifactWriter.finish`: the skeleton names a tensor that was never added.
    case tensorNotAdded(path: String, name: String)
    /// `StreamingArtifactWriter.finish`: a tensor was added that the skeleton does not name.
    case tensorNotInModel(path: String, name: String)
    /// `StreamingArtifactWriter.finish`: a tensor was added with another dtype or shape than the skeleton's.
    case addedTensorMismatch(path: String, name: String, added: TensorSpec, skeleton: TensorSpec)
    /// `pare export` would overwrite a file or a non-empty directory.
    case exportTargetExists(path: String)
    /// The model has a part the Hugging Face architecture cannot express.
    case exportUnsupported(path: String, reason: String)
    /// The stored `config.json` is not a JSON object.
    case invalidSourceConfig(path: String, reason: String)
    /// A tokenizer file name that is absolute, climbs out (`..`), is empty or collides with an exported file.
    case invalidFileName(path: String, name: String)
    case safetensors(SafeTensorsError)
    case file(FileError)
}

extension ArtifactError: CustomStringConvertible {
    public var description: String {
        let recompile = "the file is damaged or was not written by Pare; compile it again"
        switch self {
        case let .notAnArtifact(path):
            return "\(path): not a .pare artifact (bad magic); pass a file written by `pare compile`"
        case let .unsupportedVersion(path, found, supported):
            let readable = ArtifactManifest.readableFormatVersions
            return "\(path): artifact format version \(found), this pare reads versions \(readable.lowerBound) to \(supported); use a matching pare or compile again"
        case let .unsupportedFlags(path, flags):
            return "\(path): artifact flags 0x\(String(flags, radix: 16)) are not supported; use a newer pare or compile again"
        case let .truncated(path, expected, actual):
            return "\(path): truncated: \(actual) bytes, expected \(expected); the copy or write was interrupted, copy or compile it again"
        case let .corruptFooter(path, reason):
            return "\(path): corrupt footer: \(reason); \(recompile)"
        case let .corruptManifest(path, reason):
            return "\(path): corrupt manifest: \(reason); \(recompile)"
        case let .tensorOutOfBounds(path, name, offset, compressed, data):
            return "\(path): tensor '\(name)' frame [\(offset), +\(compressed)) lies outside the \(data)-byte data section; \(recompile)"
        case let .tensorsOverlap(path, first, second):
            return "\(path): frames of tensors '\(first)' and '\(second)' overlap; \(recompile)"
        case let .tensorSizeMismatch(path, name, spec, bytes):
            let size = TensorTableCheck.byteCount(spec.shape.dims, spec.dtype).map { "\($0) bytes" } ?? "no valid byte count"
            return "\(path): tensor '\(name)' is \(spec) (\(size)) but declares \(bytes) bytes; \(recompile)"
        case let .tensorTableOrder(path, name, previous):
            return "\(path): tensor table lists '\(name)' after '\(previous)' (names must be unique and sorted); \(recompile)"
        case let .duplicateTensor(path, name):
            return "\(path): tensor table lists '\(name)' twice (duplicate tensor name); \(recompile)"
        case let .tensorExpansion(path, name, bytes, compressed):
            return "\(path): tensor '\(name)' declares \(bytes) bytes from a \(compressed)-byte frame, more than zstd can expand it (at most \(Zstd.maxExpansion)×); \(recompile)"
        case let .invalidRawFrame(path, name, reason):
            return "\(path): tensor '\(name)' raw frame \(reason); \(recompile)"
        case let .missingTensor(path, name):
            return "\(path): the model needs tensor '\(name)' but the tensor table lacks it; \(recompile)"
        case let .unexpectedTensor(path, name):
            return "\(path): tensor table has '\(name)', which the model does not use; \(recompile)"
        case let .shapeMismatch(path, name, table, skeleton):
            return "\(path): tensor '\(name)' is \(table) in the tensor table but \(skeleton) in the model; \(recompile)"
        case let .skeletonOutOfBounds(path, violation):
            return "\(path): the model's \(violation); \(recompile)"
        case let .unknownTensor(path, name):
            return "\(path): no tensor named '\(name)'; `pare inspect` lists the tensors"
        case let .checksumMismatch(path, name, expected, actual):
            return "\(path): tensor '\(name)' has SHA-256 \(actual), the manifest says \(expected); \(recompile)"
        case let .zstd(path, frame, error):
            return "\(path): \(frame) frame: \(error)"
        case let .invalidGraph(path, diagnostics):
            return "\(path): the model is not well formed:\n" + diagnostics.map(\.description).joined(separator: "\n")
        case let .invalidLevel(level):
            return "compression level \(level) is outside 1…19; choose a level in 1…19"
        case let .unencodableManifest(path, reason):
            return "\(path): cannot encode the manifest (\(reason)); pass only finite numbers in extensions"
        case let .tensorAddedTwice(path, name):
            return "\(path): tensor '\(name)' was added to the artifact writer twice; add each tensor of the model once"
        case let .tensorNotAdded(path, name):
            return "\(path): the model needs tensor '\(name)' but it was never added to the artifact writer; add every tensor of the model before finishing"
        case let .tensorNotInModel(path, name):
            return "\(path): tensor '\(name)' was added to the artifact writer but the model does not use it; add only the model's tensors"
        case let .addedTensorMismatch(path, name, added, skeleton):
            return "\(path): tensor '\(name)' was added as \(added) but the model has \(skeleton); add the tensor the model describes"
        case let .exportTargetExists(path):
            return "\(path): already exists; export into a new or empty directory"
        case let .exportUnsupported(path, reason):
            return "\(path): cannot export: \(reason); keep this model as .pare or file an issue"
        case let .invalidSourceConfig(path, reason):
            return "\(path): stored config.json \(reason); compile again from a valid checkpoint"
        case let .invalidFileName(path, name):
            return "\(path): file name '\(name)' is not a plain relative path or collides with an exported file; rename it"
        case let .safetensors(error):
            return error.description
        case let .file(error):
            return error.description
        }
    }
}
