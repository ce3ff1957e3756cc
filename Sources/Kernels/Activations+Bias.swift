extension Activations {
    /// The MLP nonlinearities `biasAndActivate` applies.
    public enum Kind: Sendable {
        case gelu, geluTanh, relu, silu
    }

    /// y[r, :] = f(y[r, :] + b) for every row r of y [rows, columns] (row stride ldy), in one pass
    /// over y: the GEMM's epilogue, so its output is read and written once rather than once for
    /// the bias and once for the activation. `bias` nil adds nothing, `activation` nil is the
    /// identity. Each element sees the same arithmetic as `Elementwise.add` then `gelu` & co.
    public static func biasAndActivate(_ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ldy: Int,
                                       bias: UnsafePointer<Float>?, activation: Kind?) {
        guard bias != nil || activation != nil else { return }
        nonisolated(unsafe) let (y, bias) = (y, bias)
        RowParallel.forEach(rows: rows, elementsPerRow: columns) { range in
            biasAndActivateSerially(y + range.lowerBound * ldy, rows: range.count, columns: columns, ldy: ldy, bias: bias, activation: activation)
        }
    }

    /// `biasAndActivate` on the calling thread (for callers that split rows themselves).
    static func biasAndActivateSerially(_ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ldy: Int,
                                        bias: UnsafePointer<Float>?, activation: Kind?) {
        switch activation {
        case .gelu: epilogue(y, rows: rows, columns: columns, ldy: ldy, bias: bias, ExactGELU())
        case .geluTanh: epilogue(y, rows: rows, columns: columns, ldy: ldy, bias: bias, TanhGELU())
        case .relu: epilogue(y, rows: rows, columns: columns, ldy: ldy, bias: bias, ReLU())
        case .silu: epilogue(y, rows: rows, columns: columns, ldy: ldy, bias: bias, SiLU())
        case nil:
            guard let bias else { return }
            for r in 0..<rows { Elementwise.add(y + r * ldy, bias, count: columns) }
        }
    }

    /// Tails as in `VectorMath.map`: the last 16 values are computed first from the input and
    /// stored after the body, so overlapping lanes get the same values and nothing is applied twice.
    @inline(__always)
    private static func epilogue<F: LaneFunction>(_ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ldy: Int,
                                                  bias: UnsafePointer<Float>?, _ f: F) {
        let width = VectorMath.width
        @inline(__always) func b(_ i: Int) -> VectorMath.Vector {
            bias.map { VectorMath.load($0 + i) } ?? VectorMath.Vector(repeating: 0)
        }
        for r in 0..<rows { row(y + r * ldy) }
        @inline(__always) func row(_ row: UnsafeMutablePointer<Float>) {
            guard columns >= width else {
                if columns > 0 {
                    let v = VectorMath.load(row, count: columns, padding: 0)
                        + (bias.map { VectorMath.load($0, count: columns, padding: 0) } ?? VectorMath.Vector(repeating: 0))
                    VectorMath.store(f(v), row, count: columns)
                }
                return
            }
            let last = columns - width
            let tail = columns % width == 0 ? nil : f(VectorMath.load(row + last) + b(last))
            var i = 0
            while i <= last {
                VectorMath.store(f(VectorMath.load(row + i) + b(i)), row + i)
                i += width
            }
            if let tail { VectorMath.store(tail, row + last) }
        }
    }
}
