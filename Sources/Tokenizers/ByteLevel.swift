/// GPT-2's reversible byte → scalar map: the printable bytes `!`…`~`, `¡`…`¬`, `®`…`ÿ` stand for
/// themselves; the 68 others (controls, space, DEL, NBSP, soft hyphen) become U+0100, U+0101, …
/// in byte order, so a space is `Ġ` (U+0120) and `\n` is `Ċ` (U+010A).
enum ByteLevel {
    /// `scalars[b]` stands for byte `b`.
    static let scalars: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar of the map stands for, nil for a scalar outside it.
    static func byte(for s: Unicode.Scalar) -> UInt8? {
        let v = s.value
        if v < 256 { return scalars[Int(v)] == s ? UInt8(v) : nil }
        return inverse[v]
    }

    private static let inverse: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in scalars.enumerated() where s.value >= 256 { map[s.value] = UInt8(b) }
        return map
    }()

    /// The map applied to `bytes`, e.g. the UTF-8 of `" café"` → `"ĠcafÃ©"`.
    static func string<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var view = String.UnicodeScalarView()
        for b in bytes { view.append(scalars[Int(b)]) }
        return String(view)
    }
}
