import TensorCore

/// The frames already added, taken out and put back bit for bit: a checkpointed compile keeps
/// each finished block's frames and hands them to the writer of the resumed run, which then
/// writes the bytes of an uninterrupted one.
extension StreamingArtifactWriter {
    /// Tensors added so far.
    public var addedCount: Int { records.count }

    /// The records and frame bytes of the tensors added after the first `start`; each record's
    /// `offset` is into the returned bytes.
    public func frames(from start: Int) throws(ArtifactError) -> (records: [ArtifactManifest.TensorRecord], bytes: [UInt8]) {
        var bytes: [UInt8] = [], records: [ArtifactManifest.TensorRecord] = []
        for var record in self.records[start...] {
            let range = record.offset..<(record.offset + record.compressedBytes)
            record.offset = bytes.count
            do { try spooled(range) { bytes += $0 } } catch { throw .file(error) }
            records.append(record)
        }
        return (records, bytes)
    }

    /// Adds frames `frames(from:)` returned (from a writer with the same level and options).
    public func add(records: [ArtifactManifest.TensorRecord], bytes: [UInt8]) throws(ArtifactError) {
        var moved: [ArtifactManifest.TensorRecord] = []
        for var record in records {
            guard record.offset >= 0, record.compressedBytes >= 0, record.offset + record.compressedBytes <= bytes.count else {
                throw .file(.cannotWrite(path: path, reason: "a checkpointed frame of \(record.name) lies outside its file"))
            }
            record.offset = try appendFrame(Array(bytes[record.offset..<(record.offset + record.compressedBytes)]), name: record.name)
            moved.append(record)
        }
        try addRecords(moved)
    }
}
