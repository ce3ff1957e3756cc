import JSON
import ModelIR
import TensorCore

/// Writes `.pare` artifacts: one file holding a model's weights and everything needed to use,
/// audit and reproduce it (DESIGN §5).
///
/// File layout (all integers little-endian):
///
/// | part     | bytes | contents |
/// |----------|-------|----------|
/// | preamble | 32    | magic `PARE\r\n\u{1A}\n` (8) · u32 format version (2) · u32 flags (0) · u64 manifest frame length M · u64 decoded manifest length D |
/// | manifest | M     | one zstd frame of the manifest JSON (sorted keys, D bytes; `schemas/artifact-manifest.schema.json`) |
/// | padding  | P     | zeros up to a multiple of 64 (`ArtifactLayout.frameAlignment`; none in format version 1) |
/// | data     | N     | one frame per tensor, in tensor-table order (sorted by name); `offset` is relative to the start of this section; `raw` frames at multiples of 64, zeros before them |
/// | footer   | 56    | u64 N · SHA-256 of the D decoded manifest bytes (32) · u64 total file length · `PAREEND\n` (8) |
///
/// Large tensors that zstd barely shrinks (weights) are stored `raw`: the reader maps them and the
/// runtime computes from the mapping, so loading costs what reading the file costs.
/// Float tensors (f16, bf16, f32, f64) are byte-plane shuffled before compression when
/// `shuffleFloats` is on (lossless; `zstd+byte-shuffle` in their record). Each record carries
/// the SHA-256 of the decoded, unshuffled bytes. The file is written to a temporary beside
/// `path` and renamed into place only when complete, never over an input, and is
/// byte-identical for identical inputs (sorted keys, no timestamps, whatever `workers` is).
/// The compressed frames wait in a spool file on disk until the manifest (which precedes them)
/// is known: `write` is `StreamingArtifactWriter` given the whole model at once.
public enum ArtifactWriter {
    public struct Options: Sendable {
        /// zstd level, 1…19. Default 1, measured on all-MiniLM-L6-v2 (`ArtifactTimingTests`,
        /// release, shuffled): level 1 gives a smaller file than levels 3–12 (f32 75.81 MB vs
        /// 76.04 MB at 9, bf16 31.45 vs 31.85 MB; float byte planes are mostly noise, where the
        /// short matches of higher levels cost more than they save) in a quarter of the time;
        /// 19 is 0.5% smaller (6% on 50%-pruned weights) at ~60× the time.
        public var level: Int = 1
        /// Threads compressing tensor frames concurrently; 0 = one per active processor,
        /// 1 = serial. Each frame is single-threaded zstd, so the bytes never depend on this.
        public var workers: Int = 0
        /// Byte-plane shuffle float tensors before compression.
        public var shuffleFloats: Bool = true
        /// Tensors of at least this many bytes that zstd shrinks by less than half are stored
        /// `raw`, 64-byte aligned, so that loading maps them instead of decoding them
        /// (`RawFramePolicy`); `Int.max` compresses every tensor. Default 1 MiB: the weight
        /// matrices of any real model, not its norms, biases and scales.
        public var rawFrameMinBytes: Int = 1 << 20

        public init() {}

        public init(level: Int = 1, workers: Int = 0, shuffleFloats: Bool = true, rawFrameMinBytes: Int = 1 << 20) {
            self.level = level
            self.workers = workers
            self.shuffleFloats = shuffleFloats
            self.rawFrameMinBytes = rawFrameMinBytes
        }
    }

    /// Writes `model` (tensors named by `model.namedTensors`) and the manifest fields to `path`
    /// atomically; refuses a `path` in `inputs` or that a tensor is mapped from. Returns the
    /// manifest written.
    public static func write(
        model: Model, sourceConfig: String, tokenizerFiles: [String: String],
        passLog: [ArtifactManifest.PassRecord], provenance: ArtifactManifest.Provenance,
        extensions: [String: JSONValue], to path: String, inputs: [String], options: Options
    ) throws(ArtifactError) -> ArtifactManifest {
        let writer = try StreamingArtifactWriter(path: path, inputs: inputs, options: options)
        try writer.add(model.namedTensors)
        return try writer.finish(skeleton: model.skeleton, sourceConfig: sourceConfig, tokenizerFiles: tokenizerFiles,
                                 passLog: passLog, provenance: provenance, extensions: extensions)
    }

    /// The manifest's JSON (sorted keys) and its zstd frame; errors name `path`.
    static func encode(_ manifest: ArtifactManifest, path: String, level: Int)
        throws(ArtifactError) -> (json: [UInt8], frame: [UInt8]) {
        let json: [UInt8]
        do {
            json = try ManifestCoding.encode(manifest)
        } catch let .unencodableManifest(_, reason) {
            throw .unencodableManifest(path: path, reason: reason)
        }
        return (json, Zstd.compress(json, level: level))
    }

    /// Assembles preamble, manifest frame, `frames` (concatenated as given) and footer into
    /// `path`, atomically. Trusts `manifest`: tests use it to write doctored files.
    static func writeFile(manifest: ArtifactManifest, frames: [[UInt8]], to path: String, inputs: [String],
                          level: Int) throws(ArtifactError) {
        let (json, manifestFrame) = try encode(manifest, path: path, level: level)
        let (preamble, footer) = ArtifactLayout.framing(version: UInt32(manifest.formatVersion), manifestJSON: json,
                                                        manifestFrame: manifestFrame, dataBytes: frames.reduce(0) { $0 + $1.count })
        do {
            let file = try AtomicFile(path: path, inputs: inputs)
            try file.write(preamble.encoded)
            try file.write(manifestFrame)
            try file.write(ArtifactLayout.padding(version: preamble.version, manifestFrameBytes: manifestFrame.count))
            for frame in frames { try file.write(frame) }
            try file.write(footer.encoded)
            try file.commit()
        } catch {
            throw .file(error)
        }
    }
}
