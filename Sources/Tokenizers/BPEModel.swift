/// tokenizer.json `"model": {"type": "BPE", …}` for byte-level text: a word starts as one symbol
/// per byte, then the adjacent pair with the lowest merge rank is merged (leftmost first on a
/// tie) until no pair has a merge. Results are cached per word, like HF's BPE cache.
struct BPEModel: Sendable {
    /// The id of the symbol of each byte (its `ByteLevel` scalar), -1 when the vocabulary lacks it.
    private let byteIds: [Int32]
    /// (left id, right id) packed in 64 bits → (rank, id of the merged symbol).
    private let merges: [UInt64: Merge]
    /// Bytes missing from the vocabulary become this id (fused into one when `fuseUnk`);
    /// without an unknown token they are dropped, as HF does.
    private let unkId: Int?
    private let fuseUnk: Bool
    /// With `ignore_merges`, a word that is a vocabulary entry as a whole is that entry.
    private let wholeWords: [String: Int]?
    private let cache = BPECache(capacity: 10_000)

    struct Merge: Sendable {
        var rank: Int32
        var id: Int32
    }

    /// `merges[i]` has rank `i`; the ids are checked by the loader.
    init(vocabulary: [String: Int], merges: [(left: Int, right: Int, merged: Int)],
         unkId: Int?, fuseUnk: Bool, ignoreMerges: Bool) {
        byteIds = ByteLevel.scalars.map { s in vocabulary[String(Character(s))].map(Int32.init) ?? -1 }
        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(merges.count)
        for (rank, m) in merges.enumerated() where table[Self.pair(Int32(m.left), Int32(m.right))] == nil {
            table[Self.pair(Int32(m.left), Int32(m.right))] = Merge(rank: Int32(rank), id: Int32(m.merged))
        }
        self.merges = table
        self.unkId = unkId
        self.fuseUnk = fuseUnk
        self.wholeWords = ignoreMerges ? vocabulary : nil
    }

    /// Appends the ids of the word whose UTF-8 bytes are `bytes` to `ids`.
    func tokenize(_ bytes: [UInt8], into ids: inout [Int]) {
        if let cached = cache[bytes] {
            ids.append(contentsOf: cached)
            return
        }
        let result = merge(bytes)
        cache[bytes] = result
        ids.append(contentsOf: result)
    }

    private func merge(_ bytes: [UInt8]) -> [Int] {
        if let wholeWords, let id = wholeWords[ByteLevel.string(bytes)] { return [id] }
        var symbols: [Int32] = []
        symbols.reserveCapacity(bytes.count)
        var lastWasUnk = false
        for b in bytes {
            let id = byteIds[Int(b)]
            if id >= 0 {
                symbols.append(id)
                lastWasUnk = false
            } else if let unkId {
                if !(fuseUnk && lastWasUnk) { symbols.append(Int32(unkId)) }
                lastWasUnk = true
            }
        }
        if symbols.count < 2 { return symbols.map(Int.init) }
        // ranks[i]: the merge of symbols i and i + 1, Int32.max when there is none.
        var ranks = (0..<(symbols.count - 1)).map { rank(symbols[$0], symbols[$0 + 1]) }
        while true {
            var best = 0
            for i in 1..<ranks.count where ranks[i] < ranks[best] { best = i }
            guard ranks[best] != Int32.max, let m = merges[Self.pair(symbols[best], symbols[best + 1])] else { break }
            symbols[best] = m.id
            symbols.remove(at: best + 1)
            ranks.remove(at: best)
            if ranks.isEmpty { break }
            if best > 0 { ranks[best - 1] = rank(symbols[best - 1], symbols[best]) }
            if best < ranks.count { ranks[best] = rank(symbols[best], symbols[best + 1]) }
        }
        return symbols.map(Int.init)
    }

    private func rank(_ left: Int32, _ right: Int32) -> Int32 {
        merges[Self.pair(left, right)]?.rank ?? Int32.max
    }

    private static func pair(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}
