import TensorCore

/// The word embeddings [vocab, d]: widened to f32, or kept in 16 bits as stored (bf16/f16, a
/// `HalfWeight`), in which case a lookup widens only the rows it reads.
struct WordTable: Sendable {
    enum Values: Sendable {
        case f32([Float])
        case half(HalfWeight)
    }

    let values: Values
    /// d, the width of a row.
    let width: Int

    init(_ t: Tensor) {
        width = t.shape.rank == 2 ? t.shape[1] : 0
        values = HalfWeight(t).map(Values.half) ?? .f32(t.floats())
    }

    /// A table and row numbers for `EmbeddingKernel.gather` that give word[ids[r]] for each r:
    /// the f32 table and `ids` themselves, or the rows read ([ids.count, d]) and 0..<ids.count.
    func lookup(_ ids: [Int]) -> ([Float], [Int]) {
        switch values {
        case let .f32(table): (table, ids)
        case let .half(w): (w.rows(ids), Array(ids.indices))
        }
    }

    /// word[token] [d].
    func row(_ token: Int) -> [Float] {
        switch values {
        case let .f32(table): Array(table[(token * width)..<((token + 1) * width)])
        case let .half(w): w.rows([token])
        }
    }
}
