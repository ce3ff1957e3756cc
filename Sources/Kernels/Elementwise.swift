/// Row-wise vector kernels on row-major buffers. `x` is [rows, columns] unless stated.
/// 16 lanes at a time; pointers may have any alignment.
public enum Elementwise {
    /// x[r, :] += b for every row r; b [columns].
    public static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows { add(x + r * columns, bias, count: columns) }
    }

    /// x += y, elementwise over `count` values.
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        let width = VectorMath.width
        var i = 0
        while i + 2 * width <= count {
            let a = VectorMath.load(x + i) + VectorMath.load(y + i)
            let b = VectorMath.load(x + i + width) + VectorMath.load(y + i + width)
            VectorMath.store(a, x + i)
            VectorMath.store(b, x + i + width)
            i += 2 * width
        }
        if i + width <= count {
            VectorMath.store(VectorMath.load(x + i) + VectorMath.load(y + i), x + i)
            i += width
        }
        while i < count {
            x[i] += y[i]
            i += 1
        }
    }

    /// x[i] = tanh(x[i]), through `VectorMath.tanh` (absolute error ≤ 1e-6, small arguments
    /// relative ≤ 1e-6 too).
    public static func tanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.map(x, count: count, Tanh())
    }
}

private struct Tanh: LaneFunction {
    @inline(__always)
    func callAsFunction(_ v: VectorMath.Vector) -> VectorMath.Vector { VectorMath.tanh(v) }
}
