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
}
