/// SentencePiece's Unigram model as the `tokenizers` library runs it (`Unigram::encode_optimized`):
/// the segmentation of a word that maximises the sum of its pieces' log-probabilities (scores),
/// found by Viterbi over the word's UTF-8 bytes.
///
/// At each character boundary s, every vocabulary piece starting at s (a trie walk over the
/// bytes) extends the best path ending at s; a character no single piece covers is an unknown
/// piece of score min(scores) − 10. Ties keep the first candidate (shorter pieces are tried
/// first). Consecutive unknown pieces are fused into one, which becomes its id if the vocabulary
/// has it, else with `byteFallback` its bytes' `<0xXX>` pieces when all of those exist, else `<unk>`.
struct UnigramModel: Sendable {
    /// Score of each piece, by id.
    let scores: [Double]
    let unkId: Int
    let byteFallback: Bool
    /// ids of `<0x00>` … `<0xFF>` (nil for those the vocabulary lacks).
    let byteIds: [Int?]
    private let ids: [String: Int]
    private let trie: ByteTrie
    private let unknownScore: Double

    static let unknownPenalty = 10.0

    init(pieces: [(piece: String, score: Double)], unkId: Int, byteFallback: Bool) {
        scores = pieces.map(\.score)
        self.unkId = unkId
        self.byteFallback = byteFallback
        var trie = ByteTrie()
        var ids: [String: Int] = [:]
        for (id, p) in pieces.enumerated() where ids[p.piece] == nil {
            ids[p.piece] = id
            trie.insert(Array(p.piece.utf8), id: id)
        }
        self.trie = trie
        self.ids = ids
        unknownScore = (scores.min() ?? 0) - Self.unknownPenalty
        byteIds = (0..<256).map { ids["<0x" + String($0, radix: 16, uppercase: true).leftPadded(to: 2) + ">"] }
    }

    /// Appends the ids of `word` (one pre-tokenized piece, already normalized).
    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        var bytes: [UInt8] = []
        var boundaries: [Int] = [0]  // byte offset of each character start, and the end
        for s in word {
            bytes.append(contentsOf: String(s).utf8)
            boundaries.append(bytes.count)
        }
        let size = bytes.count
        guard size > 0 else { return }
        // best[e]: the best path ending at byte e (score, start of its last piece, the piece's id).
        var score = [Double](repeating: 0, count: size + 1)
        var start = [Int](repeating: -1, count: size + 1)
        var piece = [Int](repeating: -1, count: size + 1)
        for c in 0..<(boundaries.count - 1) {
            let s = boundaries[c], characterEnd = boundaries[c + 1]
            guard s == 0 || start[s] >= 0 else { continue }
            let here = score[s]
            var coversCharacter = false
            trie.forEachPrefix(of: bytes, from: s) { end, id in
                let candidate = here + scores[id]
                if start[end] < 0 || candidate > score[end] {
                    score[end] = candidate
                    start[end] = s
                    piece[end] = id
                }
                if end == characterEnd { coversCharacter = true }
            }
            if !coversCharacter {
                let candidate = here + unknownScore
                if start[characterEnd] < 0 || candidate > score[characterEnd] {
                    score[characterEnd] = candidate
                    start[characterEnd] = s
                    piece[characterEnd] = unkId
                }
            }
        }
        // Backtrack; fuse runs of unknown pieces, whose bytes are then looked up as a whole.
        var pieces: [(Range<Int>, Int)] = []
        var end = size
        while end > 0 {
            let s = start[end], id = piece[end]
            if id == unkId, let last = pieces.last, last.1 == unkId, last.0.lowerBound == end {
                pieces[pieces.count - 1] = (s..<last.0.upperBound, unkId)
            } else {
                pieces.append((s..<end, id))
            }
            end = s
        }
        for (range, id) in pieces.reversed() {
            guard id == unkId else { ids.append(id); continue }
            if let whole = self.ids[String(decoding: bytes[range], as: UTF8.self)] {
                ids.append(whole)
            } else if byteFallback, case let fallback = bytes[range].compactMap({ byteIds[Int($0)] }), fallback.count == range.count {
                ids.append(contentsOf: fallback)
            } else {
                ids.append(unkId)
            }
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// A trie over UTF-8 bytes: the vocabulary pieces that are prefixes of some text.
struct ByteTrie: Sendable {
    private var children: [[UInt8: Int]] = [[:]]
    private var ids: [Int] = [-1]

    mutating func insert(_ key: [UInt8], id: Int) {
        var node = 0
        for b in key {
            if let next = children[node][b] {
                node = next
            } else {
                children.append([:])
                ids.append(-1)
                children[node][b] = children.count - 1
                node = children.count - 1
            }
        }
        ids[node] = id
    }

    /// Calls `body(end, id)` for every piece equal to bytes[start..<end], shortest first.
    func forEachPrefix(of bytes: [UInt8], from start: Int, _ body: (Int, Int) -> Void) {
        var node = 0, i = start
        while i < bytes.count, let next = children[node][bytes[i]] {
            node = next
            i += 1
            if ids[node] >= 0 { body(i, ids[node]) }
        }
    }
}
