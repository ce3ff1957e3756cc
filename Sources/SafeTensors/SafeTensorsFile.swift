import TensorCore

/// A mapped, validated `.safetensors` file.
///
/// Layout: `[N: UInt64 little-endian][N bytes of UTF-8 JSON header][data section]`. The header
/// maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end)}` (offsets relative
/// to the data section) plus an optional `"__metadata__"` string→string object.
///
/// `init` reads and checks the header only; weight pages are never touched until a tensor's
/// bytes are read. Checked, in order: framing (8 ≤ size, 0 < N ≤ `maxHeaderBytes`,
/// 8 + N ≤ size), UTF-8, JSON object, each entry's keys and types, dtype, `__metadata__`, each
/// entry's bounds and byte count, and finally that the entries tile the data section exactly
/// (no overlap, no hole, nothing after the last tensor), as the reference implementation requires.
public struct SafeTensorsFile: Sendable {
    /// Largest accepted header, in bytes: 100 000 000, the reference implementation's
    /// `MAX_HEADER_SIZE`.
    public static let maxHeaderBytes: Int = 100_000_000

    public let path: String
    public let file: MappedFile
    /// N, the JSON header's length in bytes (including padding); the data section starts at 8 + N.
    public let headerByteCount: Int
    /// `__metadata__`, empty when absent.
    public let metadata: [String: String]
    /// Sorted by name.
    public let entries: [SafeTensorsEntry]
    /// Name → index into `entries`.
    private let positions: [String: Int]

    public init(path: String) throws(SafeTensorsError) {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw .file(error)
        }
        let header = try SafeTensorsFile.readHeader(file, path: path)
        self.path = path
        self.file = file
        self.headerByteCount = header.headerByteCount
        self.metadata = header.metadata
        self.entries = header.entries
        var positions: [String: Int] = [:]
        for (i, entry) in header.entries.enumerated() { positions[entry.name] = i }
        self.positions = positions
    }

    public subscript(name: String) -> SafeTensorsEntry? {
        positions[name].map { entries[$0] }
    }

    /// The tensor `name`, zero-copy: its storage is `.mapped(file, entry.dataRange)`.
    public func tensor(_ name: String) throws(SafeTensorsError) -> Tensor {
        guard let entry = self[name] else { throw .noSuchTensor(path: path, tensor: name) }
        return Tensor(dtype: entry.dtype, shape: entry.shape, storage: .mapped(file, entry.dataRange))
    }
}
