/// tokenizer.json `"model": {"type": "BPE", …}` for byte-level text: a word starts as one symbol
/// per byte (its `ByteLevel` scalar), then `BPEMerges` merges. A byte missing from the vocabulary
/// becomes the unknown token (runs fused into one with `fuse_unk`), or nothing without one, as
/// HF does. Results are cached per word, like HF's BPE cache.
struct BPEModel: Sendable {
    /// The id of the symbol of each byte (its `ByteLevel` scalar), -1 when the vocabulary lacks it.
    private let byteIds: [Int32]
    private let words: BPEWordModel

    /// `merges[i]` has rank `i`; the ids are checked by the loader.
    init(vocabulary: [String: Int], merges: [(left: Int, right: Int, merged: Int)],
         unkId: Int?, fuseUnk: Bool, ignoreMerges: Bool) {
        byteIds = ByteLevel.scalars.map { s in vocabulary[String(Character(s))].map(Int32.init) ?? -1 }
        words = BPEWordModel(merges: merges, unkId: unkId, fuseUnk: fuseUnk, wholeWords: ignoreMerges ? vocabulary : nil)
    }

    /// Appends the ids of the word whose UTF-8 bytes are `bytes` to `ids`.
    func tokenize(_ bytes: [UInt8], into ids: inout [Int]) {
        words.tokenize(bytes, spelling: { ByteLevel.string(bytes) }, into: &ids) { symbols in
            for b in bytes {
                let id = byteIds[Int(b)]
                if id >= 0 { symbols.append(known: id) } else { symbols.appendUnknown() }
            }
        }
    }
}
