/// Where a tensor's bytes live: owned in memory, or a read-only region of a mapped input file
/// (zero-copy; the mapping stays alive as long as any tensor refers to it).
public enum TensorStorage: Sendable {
    case owned([UInt8])
    case mapped(MappedFile, Range<Int>)

    public var byteCount: Int {
        switch self {
        case let .owned(bytes): bytes.count
        case let .mapped(_, range): range.count
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case let .owned(bytes): try bytes.withUnsafeBytes(body)
        case let .mapped(file, range): try file.withBytes(in: range, body)
        }
    }
}
