import Foundation
import TensorCore

/// One tensor as stored: its zstd frame, encoding and the SHA-256 of its decoded bytes.
struct EncodedFrame: Sendable {
    var frame: [UInt8]
    var encoding: ArtifactManifest.TensorRecord.Encoding
    var sha256: String
}

/// Compresses tensors into independent zstd frames, possibly several at once.
///
/// Every frame is made by single-threaded zstd: libzstd's multithreaded mode (nbWorkers ≥ 1)
/// writes different bytes than nbWorkers = 0 for inputs over 512 KiB (measured with 1.5.4: a
/// 12 MiB f32 tensor at L9 gives 6 848 941 vs 7 021 186 bytes), so parallelism is across
/// tensors only and the file never depends on the thread count. One level of parallelism.
enum FrameEncoder {
    static func encode(_ tensor: Tensor, level: Int, shuffleFloats: Bool) -> EncodedFrame {
        tensor.withUnsafeBytes { raw in
            let sha = SHA256Hex.of(raw)
            let size = tensor.dtype.size
            if shuffleFloats && tensor.dtype.isFloatingPoint && size > 1 {
                let planes = ByteShuffle.shuffle(raw, elementSize: size)
                return EncodedFrame(frame: Zstd.compress(planes, level: level, workers: 0),
                                    encoding: .zstdShuffled, sha256: sha)
            }
            return EncodedFrame(frame: Zstd.compress(raw, level: level, workers: 0), encoding: .zstd, sha256: sha)
        }
    }

    /// Frames of `tensors`, in the same order. `threads` ≤ 0 means one per active processor.
    /// Largest tensors are started first so that the threads finish together.
    static func encode(_ tensors: [Tensor], level: Int, shuffleFloats: Bool, threads: Int) -> [EncodedFrame] {
        let count = min(tensors.count, threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount)
        if count <= 1 { return tensors.map { encode($0, level: level, shuffleFloats: shuffleFloats) } }
        let order = tensors.indices.sorted { (tensors[$0].byteCount, $1) > (tensors[$1].byteCount, $0) }
        let slots = Slots(count: tensors.count)
        DispatchQueue.concurrentPerform(iterations: count) { _ in
            while let k = slots.claim() {
                let i = order[k]
                slots.store(encode(tensors[i], level: level, shuffleFloats: shuffleFloats), at: i)
            }
        }
        return slots.results()
    }
}

/// Work queue and results of `FrameEncoder`: a shared next index and one slot per tensor,
/// both behind a lock.
private final class Slots: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var items: [EncodedFrame?]

    init(count: Int) { items = Array(repeating: nil, count: count) }

    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < items.count else { return nil }
        next += 1
        return next - 1
    }

    func store(_ frame: EncodedFrame, at index: Int) {
        lock.lock()
        items[index] = frame
        lock.unlock()
    }

    func results() -> [EncodedFrame] {
        lock.lock()
        defer { lock.unlock() }
        return items.map { $0! }
    }
}
