import ModelIR
import TensorCore

/// Checks a manifest's tensor table before any of its offsets is used.
enum TensorTableCheck {
    /// Names strictly ascending (so unique); bytes = shape.count · dtype.size, without overflow;
    /// [offset, offset + compressedBytes) inside [0, dataBytes); bytes ≤ 32768 · compressedBytes
    /// (`Zstd.maxExpansion`, so the decoded total is at most 32768 · dataBytes); frames pairwise
    /// disjoint; a raw frame exactly `bytes` long at a file offset (`dataStart` + offset) that is a
    /// multiple of `ArtifactLayout.frameAlignment`; the names, dtypes and shapes exactly the
    /// skeleton's `namedTensors`.
    static func check(_ manifest: ArtifactManifest, dataStart: Int, dataBytes: Int, path: String) throws(ArtifactError) {
        var previous: String?
        for r in manifest.tensors {
            if let previous, previous == r.name { throw .duplicateTensor(path: path, name: r.name) }
            if let previous, !(previous < r.name) {
                throw .tensorTableOrder(path: path, name: r.name, previous: previous)
            }
            previous = r.name
            guard let size = byteCount(r.shape, r.dtype), size == r.bytes else {
                throw .tensorSizeMismatch(path: path, name: r.name, spec: r.spec, bytes: r.bytes)
            }
            let (end, overflow) = r.offset.addingReportingOverflow(r.compressedBytes)
            guard r.offset >= 0, r.compressedBytes > 0, !overflow, end <= dataBytes else {
                throw .tensorOutOfBounds(path: path, name: r.name, offset: r.offset,
                                         compressedBytes: r.compressedBytes, dataBytes: dataBytes)
            }
            guard Zstd.canDecode(r.bytes, from: r.compressedBytes) else {
                throw .tensorExpansion(path: path, name: r.name, bytes: r.bytes, compressedBytes: r.compressedBytes)
            }
            if r.encoding == .raw {
                guard r.compressedBytes == r.bytes else {
                    throw .invalidRawFrame(path: path, name: r.name, reason: "is \(r.compressedBytes) bytes, the tensor \(r.bytes)")
                }
                guard (dataStart + r.offset) % ArtifactLayout.frameAlignment == 0 else {
                    throw .invalidRawFrame(path: path, name: r.name,
                                           reason: "starts at file offset \(dataStart + r.offset), not a multiple of \(ArtifactLayout.frameAlignment)")
                }
            }
        }
        let byOffset = manifest.tensors.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.offset + a.compressedBytes > b.offset {
            throw .tensorsOverlap(path: path, first: a.name, second: b.name)
        }
        let table = Dictionary(uniqueKeysWithValues: manifest.tensors.map { ($0.name, $0.spec) })
        let named = manifest.skeleton.namedTensors
        for (name, spec) in named {
            guard let found = table[name] else { throw .missingTensor(path: path, name: name) }
            guard found == spec else { throw .shapeMismatch(path: path, name: name, table: found, skeleton: spec) }
        }
        let expected = Set(named.map(\.name))
        if let extra = manifest.tensors.first(where: { !expected.contains($0.name) }) {
            throw .unexpectedTensor(path: path, name: extra.name)
        }
    }

    /// shape.count · dtype.size, or nil when a dimension is negative or the product overflows.
    static func byteCount(_ shape: [Int], _ dtype: DType) -> Int? {
        var total = dtype.size
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = total.multipliedReportingOverflow(by: d)
            if o { return nil }
            total = p
        }
        return total
    }
}
