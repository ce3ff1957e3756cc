/// Row-wise vector kernels on row-major buffers. `x` is [rows, columns] unless stated.
public enum Elementwise {
    /// x[r, :] += b for every row r; b [columns].
    public static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * columns
            for c in 0..<columns { row[c] += bias[c] }
        }
    }

    /// x += y, elementwise over `count` values.
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// x[i] = tanh(x[i]).
    public static func tanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = Float(Foundation_tanh(Double(x[i]))) }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func Foundation_tanh(_ x: Double) -> Double { Glibc.tanh(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func Foundation_tanh(_ x: Double) -> Double { Darwin.tanh(x) }
#endif
