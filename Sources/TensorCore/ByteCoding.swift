#if !_endian(little)
#error("ByteWriter and ByteReader copy float arrays as they lie in memory: little-endian hosts only")
#endif

/// Little-endian bytes of integers and float arrays, for what ranks exchange (`Collective`) and
/// what a checkpoint keeps: each value as written, bit for bit (an Int as 8 bytes, an array as its
/// count then its elements, a string as its UTF-8 length then its bytes).
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func append(_ value: Int) { withUnsafeBytes(of: Int64(value).littleEndian) { bytes += $0 } }

    public mutating func append(_ value: Double) { append(Int(Int64(bitPattern: value.bitPattern))) }

    public mutating func append(_ values: [Int]) {
        append(values.count)
        for v in values { append(v) }
    }

    public mutating func append(_ values: [Double]) {
        append(values.count)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    }

    public mutating func append(_ values: [Float]) {
        append(values.count)
        values.withUnsafeBytes { bytes += $0 }  // little-endian hosts only (see the file's check)
    }

    public mutating func append(_ text: String) {
        append(text.utf8.count)
        bytes += text.utf8
    }

    /// Raw bytes: their count, then the bytes.
    public mutating func append(bytes raw: UnsafeRawBufferPointer) {
        append(raw.count)
        bytes += raw
    }
}

/// Reads what a `ByteWriter` wrote, in the same order; throws `ByteReader.Truncated` when the
/// bytes end early or a count cannot be right (a torn or foreign file, corrupt bytes received).
public struct ByteReader {
    public struct Truncated: Error, Equatable { public init() {} }
    private let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { offset == bytes.count }

    private mutating func word(_ size: Int) throws(Truncated) -> UInt64 {
        guard size <= bytes.count - offset else { throw Truncated() }
        var v: UInt64 = 0
        for i in 0..<size { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += size
        return v
    }

    public mutating func int() throws(Truncated) -> Int { Int(Int64(bitPattern: try word(8))) }

    public mutating func double() throws(Truncated) -> Double { Double(bitPattern: try word(8)) }

    /// A count written by `append(_: Int)` before that many items of at least `elementSize`
    /// bytes each; throws when it is negative or they cannot fit in what is left.
    public mutating func count(_ elementSize: Int) throws(Truncated) -> Int {
        let n = try int()
        guard n >= 0, n <= (bytes.count - offset) / elementSize else { throw Truncated() }  // so n·size fits what is left
        return n
    }

    public mutating func ints() throws(Truncated) -> [Int] {
        let n = try count(8)
        return try (0..<n).map { _ throws(Truncated) in try int() }
    }

    public mutating func doubles() throws(Truncated) -> [Double] {
        let n = try count(8)
        return try (0..<n).map { _ throws(Truncated) in Double(bitPattern: try word(8)) }
    }

    public mutating func floats() throws(Truncated) -> [Float] {
        let n = try count(4)
        var values = [Float](repeating: 0, count: n)
        let start = offset
        values.withUnsafeMutableBytes { raw in
            bytes.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + n * 4)])) }
        }
        offset += n * 4
        return values
    }

    /// What `append(bytes:)` wrote.
    public mutating func byteArray() throws(Truncated) -> [UInt8] {
        let n = try count(1)
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    public mutating func string() throws(Truncated) -> String {
        let n = try count(1)
        defer { offset += n }
        return String(decoding: bytes[offset..<(offset + n)], as: UTF8.self)
    }
}
