import Foundation

/// The kernels as they were before vectorisation (scalar loops over libm), for the timings.
enum Legacy {
    static func softmax(_ s: UnsafeMutablePointer<Float>, rows: Int, columns: Int, causalOffset: Int?) {
        for i in 0..<rows {
            let row = s + i * columns
            let visible = causalOffset.map { min(columns, i + $0 + 1) } ?? columns
            var maximum = -Float.infinity
            for j in 0..<visible { maximum = max(maximum, row[j]) }
            var sum: Float = 0
            for j in 0..<visible {
                let e = expf(row[j] - maximum)
                row[j] = e
                sum += e
            }
            let inverse = 1 / sum
            for j in 0..<visible { row[j] *= inverse }
            for j in visible..<columns { row[j] = 0 }
        }
    }

    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752))
        }
    }

    static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + tanhf(0.7978845608028654 * (v + 0.044715 * v * v * v)))
        }
    }

    static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = max(0, x[i]) }
    }

    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, d: Int,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float) {
        for r in 0..<rows {
            let row = x + r * d
            var sum: Float = 0
            for i in 0..<d { sum += row[i] }
            let mean = sum / Float(d)
            var squares: Float = 0
            for i in 0..<d {
                let c = row[i] - mean
                squares += c * c
            }
            let inverse = 1 / (squares / Float(d) + epsilon).squareRoot()
            for i in 0..<d { row[i] = (row[i] - mean) * inverse * weight[i] + bias[i] }
        }
    }

    static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * columns
            for c in 0..<columns { row[c] += bias[c] }
        }
    }

    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    static func tanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = Float(Foundation.tanh(Double(x[i]))) }
    }
}
