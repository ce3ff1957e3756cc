import JSON
import ModelIR
import TensorCore

/// Writes an artifact whose tensors arrive in any order, a few at a time: a layer-by-layer
/// compile hands over each block's tensors as they are made and never holds the whole model's
/// compressed frames. The file is `ArtifactWriter`'s layout, byte for byte what it writes for the
/// same model and fields (it is that writer's only code path).
///
/// ```
/// init    level in 1…19, `path` not an input; open the spool (FrameSpool: anonymous, beside `path`)
/// add     FrameEncoder frames → appended to the spool as each is done (any order);
///         kept in memory: one TensorRecord per tensor, its `offset` into the spool
/// finish  skeleton verifies; names, dtypes and shapes added = the skeleton's tensors;
///         records sorted by name get data-section offsets (`ArtifactLayout.placed`) → manifest;
///         AtomicFile(<path>.tmp-<pid>) ← preamble · manifest frame · padding · frames copied
///         from the spool in name order (≤ 4 MiB at a time; zeros before each raw frame up to its
///         64-byte-aligned offset) · footer; rename onto `path`; close the spool
/// ```
///
/// Memory: the records, the manifest, the copy buffer and at most `workers` frames being made.
/// Kill safety: `path` is untouched until `finish` renames; the spool has no name, so a killed
/// process leaves at most `AtomicFile`'s temporary, which the next write to `path` removes.
/// A failed `add` adds nothing and a failed `finish` writes nothing: the writer stays open (add
/// more, finish again, or cancel). After `finish` succeeds or `cancel`, it must not be used.
public final class StreamingArtifactWriter {
    public let path: String
    private let options: ArtifactWriter.Options
    /// `inputs` and the files added tensors are mapped from: never overwritten.
    private var protected: Set<String>
    /// nil once finished or cancelled.
    private var spool: FrameSpool?
    /// One per tensor added, in arrival order; `offset` is into the spool. No frame bytes.
    private(set) var records: [ArtifactManifest.TensorRecord] = []
    private var names: Set<String> = []

    /// Bytes in the spool: the frames of every tensor added.
    var spooledBytes: Int { spool?.end ?? 0 }

    public init(path: String, inputs: [String], options: ArtifactWriter.Options) throws(ArtifactError) {
        guard (1...19).contains(options.level) else { throw .invalidLevel(options.level) }
        self.path = path
        self.options = options
        protected = Set(inputs)
        do {
            try AtomicFile.refuseInput(path, inputs: inputs)
            spool = try FrameSpool(beside: path)
        } catch {
            throw .file(error)
        }
    }

    /// Compresses `tensors` (IR names as in `ModelGraph.namedTensors`, e.g.
    /// `blocks.3.mlp.up.weight`) with `FrameEncoder` and the writer's level, shuffle and workers,
    /// and appends their frames to the spool. Names must be unique across calls. The files
    /// tensors are mapped from join the protected inputs.
    public func add(_ tensors: [(name: String, tensor: Tensor)]) throws(ArtifactError) {
        let spool = openSpool()
        var batch: Set<String> = []
        for (name, _) in tensors where names.contains(name) || !batch.insert(name).inserted {
            throw .tensorAddedTwice(path: path, name: name)
        }
        var mapped: Set<String> = []
        for (_, tensor) in tensors {
            if case let .mapped(file, _) = tensor.storage, !protected.contains(file.path) { mapped.insert(file.path) }
        }
        do { try AtomicFile.refuseInput(path, inputs: Array(mapped)) } catch { throw .file(error) }

        let start = spool.end
        var added: [ArtifactManifest.TensorRecord] = []
        var failure: FileError?
        FrameEncoder.encode(tensors.map(\.tensor), level: options.level, shuffleFloats: options.shuffleFloats,
                            raw: RawFramePolicy(minBytes: options.rawFrameMinBytes), threads: options.workers) { i, frame in
            do throws(FileError) {
                let offset = try spool.append(frame.frame)
                let (name, tensor) = tensors[i]
                added.append(.init(name: name, dtype: tensor.dtype, shape: tensor.shape.dims, encoding: frame.encoding,
                                   offset: offset, compressedBytes: frame.frame.count, bytes: tensor.byteCount,
                                   sha256: frame.sha256))
                return true
            } catch {
                failure = error
                return false
            }
        }
        if let failure {
            spool.rewind(to: start)
            throw .file(failure)
        }
        records += added
        names.formUnion(batch)
        protected.formUnion(mapped)
    }

    /// Writes the artifact for `skeleton` (which must verify, and whose `namedTensors` must be
    /// exactly the tensors added, with their dtypes and shapes) and the manifest fields, commits
    /// it onto `path` and closes the spool. Returns the manifest written.
    public func finish(skeleton: Skeleton, sourceConfig: String, tokenizerFiles: [String: String],
                       passLog: [ArtifactManifest.PassRecord], provenance: ArtifactManifest.Provenance,
                       extensions: [String: JSONValue]) throws(ArtifactError) -> ArtifactManifest {
        let spool = openSpool()
        let problems = skeleton.verify()
        guard problems.isEmpty else { throw .invalidGraph(path: path, diagnostics: problems) }
        try AddedTensors.check(records, against: skeleton, path: path)

        let spooled = records.sorted { $0.name < $1.name }
        let (table, dataBytes) = ArtifactLayout.placed(spooled)
        let manifest = ArtifactManifest(
            skeleton: skeleton, sourceConfig: sourceConfig, tokenizerFiles: tokenizerFiles, passLog: passLog,
            provenance: provenance, extensions: extensions, tensors: table)
        let (json, manifestFrame) = try ArtifactWriter.encode(manifest, path: path, level: options.level)
        let (preamble, footer) = ArtifactLayout.framing(version: UInt32(manifest.formatVersion), manifestJSON: json,
                                                        manifestFrame: manifestFrame, dataBytes: dataBytes)
        do {
            let file = try AtomicFile(path: path, inputs: Array(protected))
            try file.write(preamble.encoded)
            try file.write(manifestFrame)
            try file.write(ArtifactLayout.padding(version: preamble.version, manifestFrameBytes: manifestFrame.count))
            var written = 0
            for (record, placed) in zip(spooled, table) {
                try file.write([UInt8](repeating: 0, count: placed.offset - written))
                try spool.copy([record.offset..<(record.offset + record.compressedBytes)]) { chunk throws(FileError) in
                    try file.write(chunk)
                }
                written = placed.offset + placed.compressedBytes
            }
            try file.write(footer.encoded)
            try file.commit()
        } catch {
            throw .file(error)
        }
        cancel()
        return manifest
    }

    /// Closes and so removes the spool (`finish` opens and removes its temporary itself); what
    /// deinit does when `finish` was not reached. Idempotent.
    public func cancel() {
        spool?.close()
        spool = nil
    }

    /// Hands the spooled bytes of `range` to `body` (`frames(from:)`).
    func spooled(_ range: Range<Int>, to body: (UnsafeRawBufferPointer) throws(FileError) -> Void) throws(FileError) {
        try openSpool().copy([range], to: body)
    }

    /// Appends one frame made elsewhere (a checkpoint's); returns its spool offset.
    func appendFrame(_ frame: [UInt8], name: String) throws(ArtifactError) -> Int {
        guard !names.contains(name) else { throw .tensorAddedTwice(path: path, name: name) }
        do { return try openSpool().append(frame) } catch { throw .file(error) }
    }

    /// Records of frames `appendFrame` spooled.
    func addRecords(_ added: [ArtifactManifest.TensorRecord]) throws(ArtifactError) {
        for record in added where !names.insert(record.name).inserted { throw .tensorAddedTwice(path: path, name: record.name) }
        records += added
    }

    private func openSpool() -> FrameSpool {
        guard let spool else { preconditionFailure("\(path): StreamingArtifactWriter used after finish or cancel") }
        return spool
    }
}
