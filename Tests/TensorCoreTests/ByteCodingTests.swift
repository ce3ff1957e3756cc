import Testing
import TensorCore

/// ByteWriter and ByteReader against their oracle, the values written: every bit back (NaN,
/// −0, ∞ included), and bytes cut short throw `Truncated` instead of reading past the end.
@Suite struct ByteCodingTests {
    @Test func bytesRoundTripBitForBitAndATornMessageIsCaught() throws {
        var w = ByteWriter()
        w.append(-3)
        w.append(Double.pi)
        w.append([1.5, -0.0, .infinity] as [Double])
        w.append([Float.nan, 2.25, -1e-30] as [Float])
        w.append("attention.q")
        var r = ByteReader(w.bytes)
        #expect(try r.int() == -3 && r.double() == .pi)
        #expect(try r.doubles().map(\.bitPattern) == ([1.5, -0.0, .infinity] as [Double]).map(\.bitPattern))
        #expect(try r.floats().map(\.bitPattern) == ([Float.nan, 2.25, -1e-30] as [Float]).map(\.bitPattern))
        #expect(try r.string() == "attention.q" && r.isAtEnd)
        var torn = ByteReader(Array(w.bytes.dropLast(3)))
        _ = try torn.int(); _ = try torn.double(); _ = try torn.doubles(); _ = try torn.floats()
        #expect(throws: ByteReader.Truncated()) { try torn.string() }
    }

    /// A tensor (what `--broadcast-weights` sends) comes back with its dtype, shape and bytes;
    /// cut short anywhere, or with a count or dim that cannot be right, it throws `Truncated`
    /// instead of trapping or allocating what the bytes claim.
    @Test func aTensorRoundTripsAndTornOrCorruptTensorsThrow() throws {
        let tensor = Tensor([1, -2, 3.5, .nan, 0, 7] as [Float], shape: [2, 3], dtype: .bf16)
        var w = ByteWriter()
        w.append(tensor)
        w.append([4, -5, 6])
        var r = ByteReader(w.bytes)
        #expect(try r.tensor() == tensor)
        #expect(try r.ints() == [4, -5, 6] && r.isAtEnd)
        for cut in [1, 9, 30, w.bytes.count - 33] {
            var torn = ByteReader(Array(w.bytes.prefix(cut)))
            #expect(throws: ByteReader.Truncated()) { try torn.tensor() }
        }
        // The layout: "bf16" (8-byte length + 4 bytes), rank 2, dims 2 and 3, then the bytes' count.
        for (offset, value) in [(12, -1), (12, 1 << 40), (20, -3), (28, Int.max), (36, 11)] {
            var corrupt = w.bytes
            withUnsafeBytes(of: Int64(value).littleEndian) { corrupt.replaceSubrange(offset..<(offset + 8), with: $0) }
            var reader = ByteReader(corrupt)
            #expect(throws: ByteReader.Truncated(), "\(value) at \(offset)") { try reader.tensor() }
        }
        var unknown = ByteReader({ var w = ByteWriter(); w.append("f33"); return w.bytes }())
        #expect(throws: ByteReader.Truncated()) { try unknown.tensor() }
    }
}
