import Dispatch
import Foundation
import Kernels
import ModelIR
import TensorCore

/// The per-element passes and memory bandwidth, each on the shapes of a batch of 8 × 128 tokens
/// of a model with d = 384, d_ff = 1536, 12 heads (all-MiniLM-L6-v2; BERT-base's passes run
/// at the same rate per element).
extension MachineProfiler {
    static let rows = 1024, hidden = 384, wide = 1536

    static func seeded(_ count: Int, seed: UInt64 = 3) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float.random(in: -2...2, using: &rng) }
    }

    /// ns per input element of per-token quantization of x [1024, 384].
    static func quantizeTime(_ reference: Reference, rounds: Int) -> Double {
        let x = seeded(rows * hidden)
        var q = [UInt8](repeating: 0, count: rows * hidden), s = [Float](repeating: 0, count: rows), z = [Int32](repeating: 0, count: rows)
        let maximum = Int8GEMM.capability.activationMaximum ?? 127
        let t = reference.secondsPerCall(rounds: rounds) { _ in
            TokenQuantization.quantize(x, rows: rows, columns: hidden, ldx: hidden, maximum: maximum, into: &q, scales: &s, zeroPoints: &z)
        }
        return t * 1e9 / Double(rows * hidden)
    }

    /// ns per output element of dequantizing int32 accumulators [1024, 1536] with a bias.
    static func dequantizeTime(_ reference: Reference, rounds: Int) -> Double {
        let c = (0..<(rows * wide)).map { Int32(truncatingIfNeeded: $0 &* 2_654_435_761) >> 12 }
        let rowScales = [Float](repeating: 0.01, count: rows), zeros = [Int32](repeating: 3, count: rows)
        let columnScales = [Float](repeating: 0.02, count: wide), sums = [Int32](repeating: 5, count: wide), bias = seeded(wide)
        var y = [Float](repeating: 0, count: rows * wide)
        let t = reference.secondsPerCall(rounds: rounds) { _ in
            Int8GEMM.dequantize(c, ldc: wide, rows: rows, columns: wide, rowScales: rowScales, zeroPoints: zeros,
                                columnScales: columnScales, columnSums: sums, bias: bias, into: &y, ldy: wide, accumulate: false)
        }
        return t * 1e9 / Double(rows * wide)
    }

    /// ns per element of GELU on [1024, 1536] (the up projection's epilogue without its bias).
    static func activationTime(_ reference: Reference, rounds: Int) -> Double {
        var y = seeded(rows * wide)
        let fresh = y
        let t = reference.secondsPerCall(rounds: rounds) { i in
            if i % 8 == 0 { y = fresh }  // keep the inputs in GELU's typical range
            Activations.biasAndActivate(&y, rows: rows, columns: wide, ldy: wide, bias: nil, activation: .gelu)
        }
        return t * 1e9 / Double(rows * wide)
    }

    /// ns per element of a bias add on [1024, 384].
    static func biasTime(_ reference: Reference, rounds: Int) -> Double {
        var y = seeded(rows * hidden)
        let bias = seeded(hidden, seed: 4).map { $0 * 1e-6 }
        let t = reference.secondsPerCall(rounds: rounds) { _ in
            Activations.biasAndActivate(&y, rows: rows, columns: hidden, ldy: hidden, bias: bias, activation: nil)
        }
        return t * 1e9 / Double(rows * hidden)
    }

    /// ns per hidden element of a token for a block's two LayerNorms (one thread, as the runtime
    /// runs them; the residual adds are the GEMMs' β = 1).
    static func normsTime(_ reference: Reference, rounds: Int) -> Double {
        var x = seeded(rows * hidden)
        let w = [Float](repeating: 1, count: hidden), b = [Float](repeating: 0, count: hidden)
        let t = reference.secondsPerCall(rounds: rounds) { _ in
            LayerNormKernel.apply(&x, rows: rows, d: hidden, weight: w, bias: b, epsilon: 1e-12)
        }
        return 2 * t * 1e9 / Double(rows * hidden)
    }

    /// ns per probability of softmax over 8 samples × 12 heads × n × n scores, samples split
    /// across threads (one BLAS thread each), as `PreparedModel.attend` runs them.
    static func softmaxTime(_ reference: Reference, rounds: Int, tokens n: Int) -> Double {
        let samples = 8, heads = 12
        let fresh = seeded(n * n)
        let threads = BLASThreads.count
        let t = reference.secondsPerCall(rounds: rounds) { _ in
            DispatchQueue.concurrentPerform(iterations: threads) { w in
                var p = fresh
                for _ in stride(from: w, to: samples, by: threads) {
                    for _ in 0..<heads {
                        p.withUnsafeMutableBufferPointer { Softmax.rows($0.baseAddress!, rows: n, columns: n) }
                    }
                }
            }
        }
        return t * 1e9 / Double(samples * heads * n * n)
    }

    /// GFLOP/s of Q·Kᵀ and P·V per head, n tokens, d_h 32 and 64 (the mean of their
    /// times per FLOP), samples split across threads with one BLAS thread each.
    static func attentionRate(_ reference: Reference, rounds: Int, tokens n: Int) -> Double {
        let samples = 8, threads = BLASThreads.count
        var secondsPerFlop: [Double] = []
        for (heads, dh) in [(12, 32), (12, 64)] {
            let width = heads * dh
            let q = seeded(n * 3 * width, seed: 5)
            // One BLAS thread per sample inside the timed call only: the reference runs on all.
            let t = reference.secondsPerCall(rounds: rounds) { _ in
                BLASThreads.withCount(1) {
                    DispatchQueue.concurrentPerform(iterations: threads) { w in
                        var p = [Float](repeating: 0, count: n * n), context = [Float](repeating: 0, count: n * width)
                        q.withUnsafeBufferPointer { q in
                            let q = q.baseAddress!
                            for _ in stride(from: w, to: samples, by: threads) {
                                for h in 0..<heads {
                                    GEMM.multiply(q + h * dh, q + width + h * dh, into: &p, m: n, n: n, k: dh, transposeB: true,
                                                  lda: 3 * width, ldb: 3 * width, ldc: n)
                                    context.withUnsafeMutableBufferPointer { c in
                                        GEMM.multiply(p, q + 2 * width + h * dh, into: c.baseAddress! + h * dh, m: n, n: dh, k: n,
                                                      lda: n, ldb: 3 * width, ldc: width)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            secondsPerFlop.append(t / Double(samples * heads * 4 * n * n * dh))
        }
        return 1e-9 / (secondsPerFlop.reduce(0, +) / Double(secondsPerFlop.count))
    }

    /// The lengths `attentionByTokens` measures: a short sentence to a long passage (128, the
    /// length of `attentionGemmGflops` and `nanosecondsPerElement.softmax`, among them).
    static let attentionLengths = [16, 32, 64, 128, 256, 512]

    /// Attention's products (GFLOP/s) and softmax (ns per probability) at each of `attentionLengths`.
    static func attentionByTokens(_ reference: Reference, rounds: Int) -> AttentionRates {
        AttentionRates(tokens: attentionLengths,
                       gemm: attentionLengths.map { rounded(attentionRate(reference, rounds: rounds, tokens: $0)) },
                       softmax: attentionLengths.map { rounded(softmaxTime(reference, rounds: rounds, tokens: $0)) })
    }

    /// GB/s of the STREAM triad a[i] = b[i] + s·c[i] over three arrays of 16 M floats (64 MiB
    /// each), split across the threads; 12 bytes moved per element (reads of b and c, write of a).
    static func triadBandwidth(_ reference: Reference, rounds: Int) -> Double {
        let count = 16 << 20, threads = BLASThreads.count
        var a = [Float](repeating: 0, count: count)
        let b = [Float](repeating: 1, count: count), c = [Float](repeating: 2, count: count)
        let t = a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeBufferPointer { c in
                    nonisolated(unsafe) let (a, b, c) = (a.baseAddress!, b.baseAddress!, c.baseAddress!)
                    return reference.secondsPerCall(rounds: rounds) { _ in
                        DispatchQueue.concurrentPerform(iterations: threads) { w in
                            let range = (count * w / threads)..<(count * (w + 1) / threads)
                            let s: Float = 3
                            for i in range { a[i] = b[i] + s * c[i] }
                        }
                    }
                }
            }
        }
        return 12 * Double(count) / t / 1e9
    }
}
