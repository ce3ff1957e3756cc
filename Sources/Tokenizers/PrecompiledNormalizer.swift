import Foundation

/// `"normalizer": {"type": "Precompiled", "precompiled_charsmap": …}`: SentencePiece's compiled
/// normalization rules (T5's `nmt_nfkc`), as the `tokenizers` library applies them.
///
/// The charsmap is a little-endian u32 trie size in bytes, a darts-clone double-array trie over
/// UTF-8 bytes, then NUL-terminated replacement strings the trie's values point into. Each
/// grapheme cluster shorter than 6 bytes is looked up whole; otherwise (or when it has no rule)
/// each of its characters is. A lookup takes the shortest rule that is a prefix of the text
/// looked up, as the library does.
struct PrecompiledNormalizer: TextNormalizer {
    private let units: [UInt32]
    private let replacements: [UInt8]

    /// nil when the blob is not a charsmap (too short, or sizes that do not fit).
    init?(charsmap: [UInt8]) {
        guard charsmap.count >= 4 else { return nil }
        let trieBytes = Int(UInt32(charsmap[0]) | UInt32(charsmap[1]) << 8 | UInt32(charsmap[2]) << 16 | UInt32(charsmap[3]) << 24)
        guard trieBytes % 4 == 0, 4 + trieBytes <= charsmap.count else { return nil }
        units = stride(from: 4, to: 4 + trieBytes, by: 4).map { i in
            UInt32(charsmap[i]) | UInt32(charsmap[i + 1]) << 8 | UInt32(charsmap[i + 2]) << 16 | UInt32(charsmap[i + 3]) << 24
        }
        replacements = Array(charsmap[(4 + trieBytes)...])
    }

    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text[range])
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(range.count)
        for grapheme in String(view) {
            let bytes = Array(String(grapheme).utf8)
            if bytes.count < 6, let replacement = transform(bytes) {
                out += replacement
                continue
            }
            for scalar in grapheme.unicodeScalars {
                if let replacement = transform(Array(String(scalar).utf8)) { out += replacement } else { out.append(scalar) }
            }
        }
        return out
    }

    /// The replacement of the shortest rule that prefixes `key`, or nil.
    private func transform(_ key: [UInt8]) -> [Unicode.Scalar]? {
        guard let value = firstPrefixValue(key) else { return nil }
        let start = Int(value)
        guard start < replacements.count else { return nil }
        let end = replacements[start...].firstIndex(of: 0) ?? replacements.count
        return Array(String(decoding: replacements[start..<end], as: UTF8.self).unicodeScalars)
    }

    /// darts-clone's common-prefix search, stopped at the first (shortest) match.
    private func firstPrefixValue(_ key: [UInt8]) -> UInt32? {
        func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
        guard !units.isEmpty else { return nil }
        var node = offset(units[0])
        for c in key {
            guard c != 0 else { return nil }
            node ^= Int(c)
            guard node < units.count else { return nil }
            let unit = units[node]
            guard unit & ((1 << 31) | 0xFF) == UInt32(c) else { return nil }
            node ^= offset(unit)
            guard node < units.count else { return nil }
            if (unit >> 8) & 1 == 1 { return units[node] & ((1 << 31) - 1) }
        }
        return nil
    }
}

/// `"normalizer": {"type": "Strip", "strip_left": …, "strip_right": …}`: leading and/or trailing
/// whitespace removed.
struct StripNormalizer: TextNormalizer {
    let left: Bool
    let right: Bool

    func normalize(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Unicode.Scalar] {
        var slice = text[range]
        if left { while let first = slice.first, first.properties.isWhitespace { slice.removeFirst() } }
        if right { while let last = slice.last, last.properties.isWhitespace { slice.removeLast() } }
        return Array(slice)
    }
}
