import JSON
import ModelIR
import TensorCore

/// The `.pare` manifest: everything but the tensor bytes. Stored as JSON with sorted keys
/// (schema: `schemas/artifact-manifest.schema.json`), zstd-compressed, after the preamble.
public struct ArtifactManifest: Codable, Sendable, Equatable {
    /// The format version this build writes: 2, whose data section starts at a multiple of
    /// `ArtifactLayout.frameAlignment` and may hold `raw` frames (mapped, not decoded, at load).
    public static let currentFormatVersion = 2
    /// Every format version this build reads: 1 (zstd frames only, no padding) and 2.
    public static let readableFormatVersions = 1...2
    /// `tool` of every manifest this build writes.
    public static let currentTool = "pare 0.1.0"

    /// Equal to the preamble's version.
    public var formatVersion: Int
    /// Name and version of the writer, e.g. `pare 0.1.0`.
    public var tool: String
    /// The model without weights; its `namedTensors` are exactly the tensor table's names.
    public var skeleton: Skeleton
    /// The input `config.json`, verbatim; `pare export` writes it back, adjusted.
    public var sourceConfig: String
    /// Tokenizer (and other side) files by name relative to the model directory → UTF-8 text.
    public var tokenizerFiles: [String: String]
    /// The passes that ran, in order.
    public var passLog: [PassRecord]
    public var provenance: Provenance
    /// Open slot for later sections (e.g. `elimination-profile`), keyed by section name.
    public var extensions: [String: JSONValue]
    /// One record per tensor, sorted by name; frames lie in the data section in this order.
    public var tensors: [TensorRecord]

    public init(formatVersion: Int = ArtifactManifest.currentFormatVersion, tool: String = ArtifactManifest.currentTool,
                skeleton: Skeleton, sourceConfig: String, tokenizerFiles: [String: String], passLog: [PassRecord],
                provenance: Provenance, extensions: [String: JSONValue], tensors: [TensorRecord]) {
        self.formatVersion = formatVersion
        self.tool = tool
        self.skeleton = skeleton
        self.sourceConfig = sourceConfig
        self.tokenizerFiles = tokenizerFiles
        self.passLog = passLog
        self.provenance = provenance
        self.extensions = extensions
        self.tensors = tensors
    }

    /// One pipeline step as it ran.
    public struct PassRecord: Codable, Sendable, Equatable {
        /// Kebab-case pass name, e.g. `svd-lowrank`.
        public var pass: String
        /// The step's options in recipe text form, e.g. `{energy=0.9}`.
        public var options: String
        public var changed: Bool
        /// e.g. `["linears-factored": 24]`.
        public var counters: [String: Int]
        public var notes: [String]

        public init(pass: String, options: String, changed: Bool, counters: [String: Int] = [:], notes: [String] = []) {
            self.pass = pass
            self.options = options
            self.changed = changed
            self.counters = counters
            self.notes = notes
        }
    }

    /// Where the artifact came from.
    public struct Provenance: Codable, Sendable, Equatable {
        /// Every input file read (checkpoint, config, tokenizer, adapters), sorted by name.
        public var inputs: [InputFile]
        /// The recipe text as given.
        public var recipe: String
        /// SHA-256 (hex) of the calibration data, nil when none was used.
        public var calibrationSHA256: String?
        public var seed: UInt64

        public init(inputs: [InputFile], recipe: String, calibrationSHA256: String? = nil, seed: UInt64) {
            self.inputs = inputs
            self.recipe = recipe
            self.calibrationSHA256 = calibrationSHA256
            self.seed = seed
        }

        public struct InputFile: Codable, Sendable, Equatable {
            /// Relative to the model (or adapter) directory, e.g. `model.safetensors`.
            public var name: String
            public var bytes: Int
            /// Lower-case hex SHA-256 of the file.
            public var sha256: String

            public init(name: String, bytes: Int, sha256: String) {
                self.name = name
                self.bytes = bytes
                self.sha256 = sha256
            }

            /// Hashes the file at `path` (memory-mapped, read once) and records it as `name`.
            public static func hashing(file path: String, as name: String) throws(ArtifactError) -> InputFile {
                let file: MappedFile
                do { file = try MappedFile(path: path) } catch { throw .file(error) }
                let hex = SHA256Hex.of(file)
                return InputFile(name: name, bytes: file.count, sha256: hex)
            }
        }
    }

    /// Where one tensor's frame is and what it decodes to.
    public struct TensorRecord: Codable, Sendable, Equatable {
        /// How the frame encodes the tensor's bytes.
        public enum Encoding: String, Codable, Sendable {
            /// One zstd frame of the little-endian element bytes.
            case zstd
            /// One zstd frame of the bytes split into planes: for n elements of s bytes,
            /// plane p holds byte p of every element (`out[p·n + i] = in[i·s + p]`).
            case zstdShuffled = "zstd+byte-shuffle"
            /// The little-endian element bytes as they are (`compressedBytes == bytes`), at a file
            /// offset that is a multiple of `ArtifactLayout.frameAlignment`: a reader maps them
            /// and computes from them in place. Format version 2 on.
            case raw
        }

        /// IR name, e.g. `blocks.0.attention.q.weight`.
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        public var encoding: Encoding
        /// Start of the frame, relative to the start of the data section (a multiple of
        /// `ArtifactLayout.frameAlignment` for `raw` frames).
        public var offset: Int
        /// Length of the frame.
        public var compressedBytes: Int
        /// Decoded length: shape.count · dtype.size.
        public var bytes: Int
        /// Lower-case hex SHA-256 of the decoded, unshuffled bytes.
        public var sha256: String

        public init(name: String, dtype: DType, shape: [Int], encoding: Encoding, offset: Int,
                    compressedBytes: Int, bytes: Int, sha256: String) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.encoding = encoding
            self.offset = offset
            self.compressedBytes = compressedBytes
            self.bytes = bytes
            self.sha256 = sha256
        }

        public var spec: TensorSpec { TensorSpec(dtype: dtype, shape: Shape(shape)) }
    }
}
