/// A trie over Unicode scalars with an id at each key's end, for WordPiece's longest-prefix
/// lookups without building substrings. Edges live in one hash map keyed by (node, scalar).
struct ScalarTrie: Sendable {
    private var edges: [UInt64: Int32] = [:]
    /// The id stored at each node, -1 where no key ends; node 0 is the root.
    private var ids: [Int32] = [-1]

    /// Stores `id` at `key`; a later insert of the same key replaces the id.
    mutating func insert(_ key: Substring.UnicodeScalarView, id: Int) {
        var node: Int32 = 0
        for s in key {
            let edge = Self.edge(node, s)
            if let child = edges[edge] {
                node = child
            } else {
                let child = Int32(ids.count)
                ids.append(-1)
                edges[edge] = child
                node = child
            }
        }
        ids[Int(node)] = Int32(id)
    }

    /// The id and end of the longest key that is a prefix of `text[start..<end]`.
    func longestPrefix(of text: [Unicode.Scalar], from start: Int, to end: Int) -> (id: Int, end: Int)? {
        var node: Int32 = 0
        var found: (id: Int, end: Int)?
        var i = start
        while i < end, let child = edges[Self.edge(node, text[i])] {
            node = child
            i += 1
            let id = ids[Int(node)]
            if id >= 0 { found = (Int(id), i) }
        }
        return found
    }

    private static func edge(_ node: Int32, _ s: Unicode.Scalar) -> UInt64 {
        UInt64(UInt32(bitPattern: node)) << 21 | UInt64(s.value)
    }
}
