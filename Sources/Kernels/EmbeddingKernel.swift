/// Embedding lookup as a sum of table rows: word + position (+ token type).
public enum EmbeddingKernel {
    /// out[r, :] = Σ_t table_t[index_t[r], :] for each table; out [rows, d]. Each table is
    /// [·, d] row-major and index_t [rows] holds in-range row numbers (not checked here; the
    /// runtime validates ids first). Sums run left to right over `tables`, as
    /// (word + position) + type; no tables gives zeros.
    public static func gather(tables: [(table: UnsafePointer<Float>, indices: UnsafePointer<Int>)], rows: Int, d: Int,
                              into out: UnsafeMutablePointer<Float>) {
        guard rows > 0, d > 0 else { return }
        guard let first = tables.first else {
            out.update(repeating: 0, count: rows * d)
            return
        }
        for r in 0..<rows {
            let destination = out + r * d
            let head = first.table + first.indices[r] * d
            if tables.count == 1 {
                destination.update(from: head, count: d)
                continue
            }
            let second = tables[1]
            sum(head, second.table + second.indices[r] * d, into: destination, count: d)
            for t in tables.indices.dropFirst(2) {
                Elementwise.add(destination, tables[t].table + tables[t].indices[r] * d, count: d)
            }
        }
    }

    /// z = x + y over `count` values.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>,
                    count: Int) {
        let width = VectorMath.width
        var i = 0
        while i + width <= count {
            VectorMath.store(VectorMath.load(x + i) + VectorMath.load(y + i), z + i)
            i += width
        }
        while i < count {
            z[i] = x[i] + y[i]
            i += 1
        }
    }
}
