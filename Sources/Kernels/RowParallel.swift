import CBLAS
import Dispatch

/// Row-wise kernels split across threads: rows 0..<n in `BLASThreads.count` contiguous chunks,
/// one per thread, when there is enough work to pay for the hand-off (≥ `minimumElements` in
/// all); otherwise on the calling thread. Only for kernels whose rows are independent, so the
/// result is the same bits for any split.
enum RowParallel {
    /// Below this many elements (about 20 µs of an elementwise pass) one thread does it all.
    static let minimumElements = 32 * 1024

    static func forEach(rows: Int, elementsPerRow: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(Int(openblas_get_num_threads()), rows)
        guard threads > 1, rows * elementsPerRow >= minimumElements else {
            body(0..<rows)
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                body((rows * t / threads)..<(rows * (t + 1) / threads))
            }
        }
    }
}
