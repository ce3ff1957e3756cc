import CDecodeKernels
import Dispatch

/// This machine's memory bandwidth as STREAM measures it (McCalpin): the triad
/// a[i] = b[i] + s·c[i] over arrays far larger than the caches, 3 × 4 bytes moved per element
/// (two reads, one write; write-allocate traffic not counted, as STREAM does). Split over
/// `threads` contiguous chunks; the best of `repetitions` runs (after one that touches the pages)
/// is the figure, so a moment of load from other processes does not lower it.
public enum MemoryBandwidth {
    public struct Measurement: Sendable, Equatable {
        /// Bytes moved per second by the best run.
        public let bytesPerSecond: Double
        /// Elements per array, threads, runs.
        public let elements: Int
        public let threads: Int
        public let repetitions: Int
    }

    /// 32 Mi floats per array (3 × 128 MiB): beyond any last-level cache of the project's machines.
    public static let defaultElements = 32 << 20

    public static func triad(elements n: Int = defaultElements, threads: Int = BLASThreads.count,
                             repetitions: Int = 5) -> Measurement {
        let threads = max(1, threads)
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n), b = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        nonisolated(unsafe) let (pa, pb, pc) = (a, b, c)
        func pass() {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let lo = n * t / threads, hi = n * (t + 1) / threads
                pare_triad(pa + lo, pb + lo, pc + lo, 3, Int64(hi - lo))
            }
        }
        // First touch by the same split, so each thread's pages are mapped before timing.
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let lo = n * t / threads, hi = n * (t + 1) / threads
            (pa + lo).initialize(repeating: 0, count: hi - lo)
            (pb + lo).initialize(repeating: 1, count: hi - lo)
            (pc + lo).initialize(repeating: 2, count: hi - lo)
        }
        pass()
        var best = Duration.seconds(1_000_000)
        for _ in 0..<max(1, repetitions) {
            let start = ContinuousClock.now
            pass()
            best = min(best, ContinuousClock.now - start)
        }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
        return Measurement(bytesPerSecond: Double(3 * 4 * n) / max(seconds, 1e-9), elements: n, threads: threads,
                           repetitions: repetitions)
    }
}
