/// A BPE model's merge table and the merge loop both BPE tokenizers share: the adjacent pair with
/// the lowest merge rank is merged (leftmost first on a tie) until no pair has a merge, as the
/// `tokenizers` library's `Word::merge_all` does.
struct BPEMerges: Sendable {
    /// (left id, right id) packed in 64 bits → (rank, id of the merged symbol).
    private let table: [UInt64: Merge]

    struct Merge: Sendable {
        var rank: Int32
        var id: Int32
    }

    /// `merges[i]` has rank `i`; a pair listed twice keeps its first rank. The ids are checked by the loader.
    init(_ merges: [(left: Int, right: Int, merged: Int)]) {
        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(merges.count)
        for (rank, m) in merges.enumerated() where table[Self.pair(Int32(m.left), Int32(m.right))] == nil {
            table[Self.pair(Int32(m.left), Int32(m.right))] = Merge(rank: Int32(rank), id: Int32(m.merged))
        }
        self.table = table
    }

    /// `symbols` with every applicable merge applied, lowest rank first.
    func apply(_ symbols: [Int32]) -> [Int] {
        var symbols = symbols
        if symbols.count < 2 { return symbols.map(Int.init) }
        // ranks[i]: the merge of symbols i and i + 1, Int32.max when there is none.
        var ranks = (0..<(symbols.count - 1)).map { rank(symbols[$0], symbols[$0 + 1]) }
        while true {
            var best = 0
            for i in 1..<ranks.count where ranks[i] < ranks[best] { best = i }
            guard ranks[best] != Int32.max, let m = table[Self.pair(symbols[best], symbols[best + 1])] else { break }
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
        table[Self.pair(left, right)]?.rank ?? Int32.max
    }

    private static func pair(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}

/// What both BPE models share around their merges: the unknown token as the library adds it,
/// `ignore_merges`, and the per-word cache (HF's, 10 000 words).
struct BPEWordModel: Sendable {
    let merges: BPEMerges
    let unkId: Int?
    let fuseUnk: Bool
    /// With `ignore_merges`, a word that is a vocabulary entry as a whole is that entry.
    let wholeWords: [String: Int]?
    private let cache = BPECache(capacity: 10_000)

    init(merges: [(left: Int, right: Int, merged: Int)], unkId: Int?, fuseUnk: Bool, wholeWords: [String: Int]?) {
        self.merges = BPEMerges(merges)
        self.unkId = unkId
        self.fuseUnk = fuseUnk
        self.wholeWords = wholeWords
    }

    /// Appends the ids of one word to `ids`: `key` is its UTF-8 (the cache key), `spelling` its
    /// vocabulary spelling (for `ignore_merges`), and `symbols` adds its symbols before merging.
    func tokenize(_ key: [UInt8], spelling: () -> String, into ids: inout [Int], symbols: (inout BPESymbols) -> Void) {
        if let cached = cache[key] {
            ids.append(contentsOf: cached)
            return
        }
        let result: [Int]
        if let wholeWords, let id = wholeWords[spelling()] {
            result = [id]
        } else {
            var word = BPESymbols(unkId: unkId.map(Int32.init), fuseUnk: fuseUnk)
            symbols(&word)
            result = merges.apply(word.finished())
        }
        cache[key] = result
        ids.append(contentsOf: result)
    }
}

/// A word's symbols before merging. An unknown character's id waits until a known one (or the
/// end) comes, so that a run fuses into one with `fuse_unk`; byte-fallback pieces do not end the
/// wait (the library's `merge_word`). Without an unknown token, unknown characters are dropped.
struct BPESymbols {
    private var ids: [Int32] = []
    private var pendingUnk = false
    let unkId: Int32?
    let fuseUnk: Bool

    init(unkId: Int32?, fuseUnk: Bool) {
        self.unkId = unkId
        self.fuseUnk = fuseUnk
    }

    mutating func append(known id: Int32) {
        if pendingUnk, let unkId { ids.append(unkId) }
        pendingUnk = false
        ids.append(id)
    }

    mutating func append(byteFallback pieces: [Int32]) { ids += pieces }

    mutating func appendUnknown() {
        guard let unkId else { return }
        if pendingUnk && !fuseUnk { ids.append(unkId) }
        pendingUnk = true
    }

    func finished() -> [Int32] {
        if pendingUnk, let unkId { return ids + [unkId] }
        return ids
    }
}
