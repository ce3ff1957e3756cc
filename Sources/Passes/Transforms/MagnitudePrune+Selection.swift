import ModelIR
import TensorCore

/// One dense weight W [rows, columns] (f32, f16 or bf16) to prune, with the activation norms
/// ‖X_j‖₂ [columns] when scoring with Wanda.
///
/// Scores s_ij ≥ 0 are handled as their f32 bit patterns ("keys"): for non-negative floats the
/// bit pattern orders like the value, so integer comparisons of keys compare scores exactly.
struct PruneUnit: Sendable {
    let path: LayerPath
    let weight: Tensor
    let norms: [Float]?

    var rows: Int { weight.shape[0] }
    var columns: Int { weight.shape[1] }
    var bytesPerRow: Int { (columns + 7) / 8 }

    /// Keys of every weight, row-major: bits(|W_ij|), or bits(f32(|W_ij|) · ‖X_j‖₂) for Wanda.
    /// A NaN score is an error (NaN has no place in the order).
    func keys() throws(PassError) -> [UInt32] {
        let n = weight.elementCount, columns = columns, dtype = weight.dtype
        var keys = [UInt32](repeating: 0, count: n)
        weight.withUnsafeBytes { raw in
            keys.withUnsafeMutableBufferPointer { k in
                switch dtype {
                case .f32:
                    for i in 0..<n { k[i] = raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) & 0x7FFF_FFFF }
                case .f16:
                    for i in 0..<n {
                        let h = raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self) & 0x7FFF
                        k[i] = Float(Float16(bitPattern: h)).bitPattern
                    }
                default: // bf16 (check admits nothing else): the upper half of an f32
                    for i in 0..<n { k[i] = UInt32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self) & 0x7FFF) << 16 }
                }
            }
        }
        if let norms {
            keys.withUnsafeMutableBufferPointer { k in
                for o in 0..<(n / max(columns, 1)) {
                    for j in 0..<columns { k[o * columns + j] = (Float(bitPattern: k[o * columns + j]) * norms[j]).bitPattern }
                }
            }
        }
        if let bad = keys.firstIndex(where: { $0 > 0x7F80_0000 }) {
            throw .failed(pass: MagnitudePrune.name,
                          reason: "\(path): the score of weight [\(bad / columns), \(bad % columns)] is NaN (a NaN weight, or an infinite weight or activation norm times zero); fix the checkpoint")
        }
        return keys
    }

    /// The sparse form for `mask` (u8 [rows, ⌈columns/8⌉], bit set = kept): the dense bits where
    /// kept, +0 where pruned (branch-free: bits & −keep), and nonzeros = popcount(mask).
    func form(mask: [UInt8], pattern: SparsityPattern) -> WeightForm<Tensor> {
        let size = weight.dtype.size, rows = rows, columns = columns, bytesPerRow = bytesPerRow
        var kept = 0
        let values = [UInt8](unsafeUninitializedCapacity: weight.byteCount) { out, initialized in
            weight.withUnsafeBytes { src in
                mask.withUnsafeBufferPointer { mask in
                    let dst = UnsafeMutableRawPointer(out.baseAddress!)
                    for o in 0..<rows {
                        let bits = mask.baseAddress! + o * bytesPerRow, row = o * columns
                        for j in 0..<columns {
                            let keep = (bits[j >> 3] >> UInt8(j & 7)) & 1, at = (row + j) * size
                            kept += Int(keep)
                            if size == 4 {
                                let w = src.loadUnaligned(fromByteOffset: at, as: UInt32.self)
                                dst.storeBytes(of: w & (0 &- UInt32(keep)), toByteOffset: at, as: UInt32.self)
                            } else {
                                let w = src.loadUnaligned(fromByteOffset: at, as: UInt16.self)
                                dst.storeBytes(of: w & (0 &- UInt16(keep)), toByteOffset: at, as: UInt16.self)
                            }
                        }
                    }
                }
            }
            initialized = weight.byteCount
        }
        return .sparse(values: Tensor(dtype: weight.dtype, shape: weight.shape, bytes: values),
                       mask: Tensor(dtype: .u8, shape: [rows, bytesPerRow], bytes: mask),
                       pattern: pattern, nonzeros: kept)
    }

    /// The mask that keeps, in each group of `m` consecutive columns of a row, the `n` weights
    /// of largest key; among equal keys the lower column is pruned first.
    func maskKeepingBest(_ n: Int, of m: Int, keys: [UInt32]) -> [UInt8] {
        var mask = [UInt8](repeating: 0, count: rows * bytesPerRow)
        let rows = rows, columns = columns, bytesPerRow = bytesPerRow
        keys.withUnsafeBufferPointer { k in
            mask.withUnsafeMutableBufferPointer { mask in
                for o in 0..<rows {
                    for start in stride(from: 0, to: columns, by: m) {
                        let group = o * columns + start
                        for a in 0..<m {
                            // rank of a in (key, column) order; the m − n lowest ranks are pruned.
                            let key = k[group + a]
                            var rank = 0
                            for b in 0..<m { rank &+= k[group + b] < key || (k[group + b] == key && b < a) ? 1 : 0 }
                            let keep = UInt8(rank >= m - n ? 1 : 0), j = start + a
                            mask[o * bytesPerRow + j >> 3] |= keep << UInt8(j & 7)
                        }
                    }
                }
            }
        }
        return mask
    }

    /// The mask that prunes the `k` smallest weights of every row in (key, column) order.
    func maskPruningRows(_ k: Int, keys: [UInt32]) -> [UInt8] {
        var mask = [UInt8](repeating: 0, count: rows * bytesPerRow)
        let rows = rows, columns = columns, bytesPerRow = bytesPerRow
        var row = [UInt64](repeating: 0, count: columns)
        keys.withUnsafeBufferPointer { keys in
            for o in 0..<rows {
                // (key, column) packed into one integer: unique, ordered as the tie rule says.
                let packed = { (j: Int) in UInt64(keys[o * columns + j]) << 32 | UInt64(j) }
                var cut = UInt64(0)
                if k > 0 {
                    for j in 0..<columns { row[j] = packed(j) }
                    cut = Self.select(&row, rank: k - 1) + 1
                }
                mask.withUnsafeMutableBufferPointer { mask in
                    let bits = mask.baseAddress! + o * bytesPerRow
                    for j in 0..<columns { bits[j >> 3] |= UInt8(packed(j) >= cut ? 1 : 0) << UInt8(j & 7) }
                }
            }
        }
        return mask
    }

    /// The element of rank `rank` (0-based) of distinct values `a`, reordering `a`
    /// (Hoare's FIND with median-of-three pivots; O(n) expected).
    static func select(_ a: inout [UInt64], rank: Int) -> UInt64 {
        a.withUnsafeMutableBufferPointer { a in
            var lo = 0, hi = a.count - 1
            while lo < hi {
                let mid = lo + (hi - lo) / 2
                if a[mid] < a[lo] { a.swapAt(mid, lo) }
                if a[hi] < a[lo] { a.swapAt(hi, lo) }
                if a[hi] < a[mid] { a.swapAt(hi, mid) }
                let pivot = a[mid]
                var i = lo, j = hi
                while i <= j {
                    while a[i] < pivot { i += 1 }
                    while a[j] > pivot { j -= 1 }
                    if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
                }
                if rank <= j { hi = j } else if rank >= i { lo = i } else { break }
            }
            return a[rank]
        }
    }

    /// Prunes the `k` smallest weights of the pool `units` in (key, position) order, position =
    /// (unit index, flat index): two 16-bit radix-histogram passes find the k-th smallest key t
    /// and how many lie below it; then every key < t is pruned, and the first k − below keys
    /// equal to t. `keys(i)` gives unit i's keys (recomputed per pass for a large pool).
    static func pruneSmallest(_ k: Int, of units: [PruneUnit], pattern: SparsityPattern,
                              keys: (Int) throws(PassError) -> [UInt32]) throws(PassError) -> [WeightForm<Tensor>] {
        var cut = (key: UInt32(0), ties: 0) // k = 0: nothing is below 0 and no tie is pruned
        if k > 0 {
            var high = [Int](repeating: 0, count: 1 << 16)
            for i in units.indices {
                try keys(i).withUnsafeBufferPointer { k in high.withUnsafeMutableBufferPointer { h in for key in k { h[Int(key >> 16)] += 1 } } }
            }
            let (bucket, belowBucket) = rankBucket(high, rank: k)
            var low = [Int](repeating: 0, count: 1 << 16)
            for i in units.indices {
                try keys(i).withUnsafeBufferPointer { k in
                    low.withUnsafeMutableBufferPointer { l in for key in k where key >> 16 == bucket { l[Int(key & 0xFFFF)] += 1 } }
                }
            }
            let (value, belowValue) = rankBucket(low, rank: k - belowBucket)
            cut = (bucket << 16 | value, k - belowBucket - belowValue)
        }
        var forms: [WeightForm<Tensor>] = []
        for (i, unit) in units.enumerated() {
            let keys = try keys(i)
            var mask = [UInt8](repeating: 0, count: unit.rows * unit.bytesPerRow)
            let columns = unit.columns, bytesPerRow = unit.bytesPerRow
            keys.withUnsafeBufferPointer { k in
                mask.withUnsafeMutableBufferPointer { mask in
                    for o in 0..<unit.rows {
                        let bits = mask.baseAddress! + o * bytesPerRow, row = o * columns
                        for j in 0..<columns {
                            let key = k[row + j]
                            var keep = UInt8(key > cut.key ? 1 : 0)
                            if key == cut.key { // rare: the ties at the threshold, pruned in position order
                                if cut.ties > 0 { cut.ties -= 1 } else { keep = 1 }
                            }
                            bits[j >> 3] |= keep << UInt8(j & 7)
                        }
                    }
                }
            }
            forms.append(unit.form(mask: mask, pattern: pattern))
        }
        return forms
    }

    /// The bucket holding the element of 1-based `rank` in a histogram, and how many lie in
    /// the buckets before it.
    private static func rankBucket(_ counts: [Int], rank: Int) -> (UInt32, Int) {
        var below = 0
        for (bucket, count) in counts.enumerated() {
            if below + count >= rank { return (UInt32(bucket), below) }
            below += count
        }
        preconditionFailure("rank \(rank) exceeds the \(below) keys counted")
    }

    /// `body` over `units` as a task group (one level of parallelism: units are independent),
    /// results in input order; the first error in input order is thrown.
    static func concurrentMap(_ units: [PruneUnit], _ body: @escaping @Sendable (PruneUnit) throws(PassError) -> WeightForm<Tensor>) async throws(PassError) -> [WeightForm<Tensor>] {
        let results = await withTaskGroup(of: (Int, Result<WeightForm<Tensor>, PassError>).self) { group in
            for (i, unit) in units.enumerated() {
                group.addTask { (i, Result { () throws(PassError) in try body(unit) }) }
            }
            var results = [Result<WeightForm<Tensor>, PassError>?](repeating: nil, count: units.count)
            for await (i, result) in group { results[i] = result }
            return results
        }
        var forms: [WeightForm<Tensor>] = []
        for result in results { forms.append(try result!.get()) }
        return forms
    }
}
