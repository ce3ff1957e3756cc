import Runtime
import TensorCore

/// One batch's `BlockStatistics` as bytes, what a rank sends the others (`CalibrationStream` on
/// several ranks): every field bit for bit, the Gram rows included, so the receiver merges the
/// same values a single process would.
extension BlockStatistics {
    func encode(into w: inout ByteWriter) {
        let roles = inputs.keys.sorted()
        w.append(roles.count)
        for role in roles {
            let s = inputs[role]!
            w.append(role)
            w.append(s.rows)
            w.append(s.sums)
            w.append(s.sumSquares)
            w.append(s.sumAbs)
            w.append(s.maxAbs)
            w.append(s.gram.map { _ in 1 } ?? 0)
            if let g = s.gram { w.append(g) }
        }
        w.append(headSums)
        w.append(tokens)
        w.append(acc.count)
        for a in acc {
            w.append(a == nil ? 0 : 1)
            w.append(a ?? 0)
        }
        let rows = LinearInput.allCases.filter { gramRows[$0] != nil }
        w.append(rows.count)
        for which in rows {
            w.append(which.rawValue)
            w.append(gramRows[which]!.width)
            w.append(gramRows[which]!.rows)
        }
    }

    init(decoding r: inout ByteReader, layer: Int) throws(ByteReader.Truncated) {
        self.init(layer: layer, heads: 0)
        for _ in 0..<(try r.count(8)) {
            let role = try r.string()
            var s = InputStatistics(width: 0, gram: false)
            s.rows = try r.int()
            s.sums = try r.doubles()
            s.sumSquares = try r.doubles()
            s.sumAbs = try r.doubles()
            s.maxAbs = try r.floats()
            if try r.int() == 1 { s.gram = try r.floats() }
            inputs[role] = s
        }
        headSums = try r.doubles()
        tokens = try r.int()
        for _ in 0..<(try r.count(8)) {
            let present = try r.int() == 1, value = try r.double()
            acc.append(present ? value : nil)
        }
        for _ in 0..<(try r.count(8)) {
            guard let which = LinearInput(rawValue: try r.string()) else { throw ByteReader.Truncated() }
            let width = try r.int()
            gramRows[which] = (try r.floats(), width)
        }
    }

    /// Rank `rank`'s `batches` batches' statistics of block `layer` from the bytes it sent, each
    /// handed to `add` in batch order; throws `tornExchange` when the bytes end early, hold more,
    /// or disagree with themselves or the block (`heads` kept heads, one width per input).
    static func decode(_ bytes: [UInt8], batches: Int, from rank: Int, layer: Int, heads: Int,
                       add: (inout BlockStatistics) throws(CalibrationError) -> Void) throws(CalibrationError) {
        var reader = ByteReader(bytes)
        for _ in 0..<batches {
            guard var part = try? BlockStatistics(decoding: &reader, layer: layer), part.isWhole(heads: heads) else {
                throw .tornExchange(rank: rank, block: layer)
            }
            try add(&part)
        }
        guard reader.isAtEnd else { throw .tornExchange(rank: rank, block: layer) }
    }

    /// Whether decoded statistics agree with themselves: `heads` head sums, every input's
    /// per-feature arrays of one width w > 0 (its Gram matrix, if any, w·w), whole Gram rows.
    func isWhole(heads: Int) -> Bool {
        headSums.count == heads && tokens >= 0
            && inputs.values.allSatisfy { s in
                let w = s.sums.count
                return w > 0 && s.rows >= 0 && [s.sumSquares.count, s.sumAbs.count, s.maxAbs.count].allSatisfy { $0 == w }
                    && (s.gram.map { $0.count == w * w } ?? true)
            }
            && gramRows.values.allSatisfy { $0.width > 0 && $0.rows.count % $0.width == 0 }
    }

    /// Whether these statistics can be merged into `total`: each input as wide as total's.
    func fits(_ total: BlockStatistics) -> Bool {
        inputs.allSatisfy { role, s in total.inputs[role].map { $0.sums.count == s.sums.count } ?? true }
    }
}
