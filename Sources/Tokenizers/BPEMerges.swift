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

    /// `symbols` with every applicable merge applied, lowest rank first (leftmost on a tie).
    ///
    /// As the library does it, in O(n log n): a min-heap of candidate merges keyed by (rank,
    /// position of the left symbol); a popped candidate whose pair has changed since it was pushed
    /// is skipped. Merged symbols keep their left symbol's position, so positions keep their order.
    func apply(_ symbols: [Int32]) -> [Int] {
        let n = symbols.count
        if n < 2 { return symbols.map(Int.init) }
        var ids = symbols
        var next = Array(1...n)  // n: none
        var previous = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for i in 0..<(n - 1) {
            if let m = table[Self.pair(ids[i], ids[i + 1])] { heap.push(Self.candidate(m.rank, i)) }
        }
        while let top = heap.pop() {
            let position = Int(top & 0xFFFF_FFFF)
            let right = next[position]
            guard alive[position], right < n, let m = table[Self.pair(ids[position], ids[right])],
                  m.rank == Int32(truncatingIfNeeded: top >> 32) else { continue }
            ids[position] = m.id
            alive[right] = false
            next[position] = next[right]
            if next[right] < n { previous[next[right]] = position }
            if previous[position] >= 0, let left = table[Self.pair(ids[previous[position]], m.id)] {
                heap.push(Self.candidate(left.rank, previous[position]))
            }
            if next[position] < n, let after = table[Self.pair(m.id, ids[next[position]])] {
                heap.push(Self.candidate(after.rank, position))
            }
        }
        var out: [Int] = []
        out.reserveCapacity(n)
        var i = 0
        while i < n {
            out.append(Int(ids[i]))
            i = next[i]
        }
        return out
    }

    /// (rank, position) packed so that the smaller number is the earlier merge.
    private static func candidate(_ rank: Int32, _ position: Int) -> UInt64 {
        UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(position)
    }

    private static func pair(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}

/// A binary min-heap of packed merge candidates.
private struct MinHeap {
    private var items: [UInt64] = []

    mutating func push(_ item: UInt64) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}

/// What both BPE models share around their merges: the unknown token as the library adds it,
/// `ignore_merges`, and the per-word cache (HF's: 10 000 words shorter than 256 bytes; behind
/// Metaspace without split, or no pre-tokenizer, a whole text is one word).
struct BPEWordModel: Sendable {
    static let longestCachedWord = 256

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
        if key.count < Self.longestCachedWord { cache[key] = result }
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
