/// tokenizer.json `"model": {"type": "BPE", …}` over characters, as transformers writes it for
/// SentencePiece BPE models (Llama 2, Mistral): a word starts as one symbol per Unicode scalar;
/// a scalar the vocabulary lacks becomes, with `byte_fallback`, the `<0xNN>` pieces of its UTF-8
/// bytes (when all of them exist), else the unknown token (`BPESymbols`). Then `BPEMerges` merges.
struct SentencePieceBPEModel: Sendable {
    /// The id of each single-scalar vocabulary entry.
    private let scalarIds: [Unicode.Scalar: Int32]
    /// ids of `<0x00>` … `<0xFF>`, -1 for those the vocabulary lacks; empty without `byte_fallback`.
    private let byteIds: [Int32]
    private let words: BPEWordModel

    init(vocabulary: [String: Int], merges: [(left: Int, right: Int, merged: Int)],
         unkId: Int?, fuseUnk: Bool, byteFallback: Bool, ignoreMerges: Bool) {
        var scalarIds: [Unicode.Scalar: Int32] = [:]
        for (token, id) in vocabulary {
            var scalars = token.unicodeScalars.makeIterator()
            if let s = scalars.next(), scalars.next() == nil { scalarIds[s] = Int32(id) }
        }
        self.scalarIds = scalarIds
        byteIds = byteFallback ? (0..<256).map { vocabulary[Self.bytePiece(UInt8($0))].map(Int32.init) ?? -1 } : []
        words = BPEWordModel(merges: merges, unkId: unkId, fuseUnk: fuseUnk, wholeWords: ignoreMerges ? vocabulary : nil)
    }

    /// `<0xNN>`, NN in upper-case hex (Rust's `format!("<{b:#04X}>")`).
    static func bytePiece(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }

    /// Appends the ids of `word` (one pre-tokenized piece, already normalized) to `ids`.
    func tokenize(_ word: ArraySlice<Unicode.Scalar>, into ids: inout [Int]) {
        if word.isEmpty { return }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(word.count)
        for s in word { utf8.append(contentsOf: s.utf8) }
        words.tokenize(utf8, spelling: { String(decoding: utf8, as: UTF8.self) }, into: &ids) { symbols in
            for s in word {
                if let id = scalarIds[s] {
                    symbols.append(known: id)
                } else if !byteIds.isEmpty, case let pieces = s.utf8.map({ byteIds[Int($0)] }), !pieces.contains(-1) {
                    symbols.append(byteFallback: pieces)
                } else {
                    symbols.appendUnknown()
                }
            }
        }
    }
}
