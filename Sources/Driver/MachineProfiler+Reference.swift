import Kernels
import TensorCore

extension MachineProfiler {
    /// A fixed f32 GEMM timed beside every measurement, so that a figure is a ratio of two
    /// timings taken a moment apart (as `pare bench --against` interleaves its two models): a
    /// shared machine's load slows both alike and cancels. C [1024, 1536] = A [1024, 384] · Bᵀ,
    /// B [1536, 384] (MiniLM's FFN up on a batch of 8 × 128), buffers kept in cache.
    final class Reference {
        let m = 1024, n = 1536, k = 384
        let a: [Float], b: [Float]
        var c: [Float]
        /// The reference on a quiet machine: its fastest of 20 timings at the start. Every figure
        /// is scaled by it, so an unlucky value shifts all of them alike (which the cost model's
        /// ratios cancel).
        private(set) var quietSeconds = 1.0

        init() {
            a = (0..<(m * k)).map { Float(Int32($0 % 251) - 125) * 0.01 }
            b = (0..<(n * k)).map { Float(Int32($0 % 241) - 120) * 0.01 }
            c = [Float](repeating: 0, count: m * n)
            quietSeconds = (0..<20).map { _ in time() }.dropFirst().min() ?? 1
        }

        /// Seconds of one reference GEMM, now.
        func time() -> Double {
            let start = ContinuousClock.now
            GEMM.multiply(a, b, into: &c, m: m, n: n, k: k, transposeB: true)
            return (ContinuousClock.now - start).inSeconds
        }

        /// Seconds per call of `body` on a quiet machine: `rounds` batches of calls lasting ≥ 3 ms
        /// (after one to size them), each followed by a reference GEMM; the median of the ratios
        /// batch time / reference time, times `quietSeconds`.
        func secondsPerCall(rounds: Int, _ body: (Int) -> Void) -> Double {
            var start = ContinuousClock.now
            body(0)
            let calls = max(1, Int((0.003 / max((ContinuousClock.now - start).inSeconds, 1e-7)).rounded(.up)))
            var ratios: [Double] = [], call = 1
            for _ in 0..<max(1, rounds) {
                start = ContinuousClock.now
                for _ in 0..<calls { body(call); call += 1 }
                let t = (ContinuousClock.now - start).inSeconds / Double(calls)
                ratios.append(t / max(time(), 1e-9))
            }
            return Bench.median(ratios) * quietSeconds
        }
    }
}
