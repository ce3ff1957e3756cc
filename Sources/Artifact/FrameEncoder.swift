import Foundation
import TensorCore

/// One tensor as stored: its frame (zstd, or the bytes themselves), encoding and the SHA-256 of
/// its decoded bytes.
struct EncodedFrame: Sendable {
    var frame: [UInt8]
    var encoding: ArtifactManifest.TensorRecord.Encoding
    var sha256: String
}

/// Which tensors are stored `raw` (mapped at load, computed from in place) rather than as zstd
/// frames (decoded at load): those of at least `minBytes` bytes that zstd shrinks by less than
/// half. Weights of real and random checkpoints shrink by 5–30% (bf16 byte-shuffled ≈ 29%,
/// PLATFORM-NOTES §2), and reading those bytes costs less than decoding the frame (zstd decodes
/// at 1–4 GB/s on one core, a page-cache read runs at ~10 GB/s); a weight zstd halves (zeros of
/// a pruned matrix) stays compressed.
struct RawFramePolicy: Sendable, Equatable {
    /// Smallest tensor stored raw; `Int.max` compresses every tensor (format-1 style frames).
    var minBytes: Int
    /// Largest fraction zstd may save for a tensor to still be stored raw.
    static let maxSaving = 0.5

    func storesRaw(bytes: Int, compressedBytes: Int) -> Bool {
        bytes >= minBytes && Double(compressedBytes) > Double(bytes) * (1 - Self.maxSaving)
    }
}

/// Encodes tensors into independent frames, possibly several at once.
///
/// Every frame is made by single-threaded zstd: libzstd's multithreaded mode (nbWorkers ≥ 1)
/// writes different bytes than nbWorkers = 0 for inputs over 512 KiB (measured with 1.5.4: a
/// 12 MiB f32 tensor at L9 gives 6 848 941 vs 7 021 186 bytes), so parallelism is across
/// tensors only and the file never depends on the thread count. One level of parallelism.
enum FrameEncoder {
    static func encode(_ tensor: Tensor, level: Int, shuffleFloats: Bool, raw policy: RawFramePolicy) -> EncodedFrame {
        tensor.withUnsafeBytes { raw in
            let sha = SHA256Hex.of(raw)
            let size = tensor.dtype.size
            let shuffled = shuffleFloats && tensor.dtype.isFloatingPoint && size > 1
            let frame = shuffled ? Zstd.compress(ByteShuffle.shuffle(raw, elementSize: size), level: level, workers: 0)
                : Zstd.compress(raw, level: level, workers: 0)
            if policy.storesRaw(bytes: raw.count, compressedBytes: frame.count) {
                return EncodedFrame(frame: Array(raw), encoding: .raw, sha256: sha)
            }
            return EncodedFrame(frame: frame, encoding: shuffled ? .zstdShuffled : .zstd, sha256: sha)
        }
    }

    /// Compresses `tensors` and hands each frame to `deliver(index, frame)` as soon as it is
    /// made: in completion order, one call at a time, so at most `threads` frames are alive at
    /// once. Once `deliver` returns false no further tensor is started. `threads` ≤ 0 means one
    /// per active processor. Largest tensors are started first so that the threads finish together.
    static func encode(_ tensors: [Tensor], level: Int, shuffleFloats: Bool, raw policy: RawFramePolicy, threads: Int,
                       deliver: (Int, EncodedFrame) -> Bool) {
        let count = min(tensors.count, threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount)
        if count <= 1 {
            for (i, tensor) in tensors.enumerated() {
                guard deliver(i, encode(tensor, level: level, shuffleFloats: shuffleFloats, raw: policy)) else { return }
            }
            return
        }
        let order = tensors.indices.sorted { (tensors[$0].byteCount, $1) > (tensors[$1].byteCount, $0) }
        let queue = WorkQueue(count: tensors.count)
        withoutActuallyEscaping(deliver) { deliver in
            let sink = UncheckedSink(deliver)
            DispatchQueue.concurrentPerform(iterations: count) { _ in
                while let k = queue.claim() {
                    let i = order[k]
                    let frame = encode(tensors[i], level: level, shuffleFloats: shuffleFloats, raw: policy)
                    queue.serialized { if !sink.deliver(i, frame) { queue.stop() } }
                }
            }
        }
    }
}

/// `FrameEncoder`'s shared next index, and the lock that serializes deliveries.
private final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    /// No index is handed out after this; call it inside `serialized`.
    func stop() { next = count }

    /// Runs `body` holding the lock (`stop` may be called inside).
    func serialized(_ body: () -> Void) {
        lock.lock()
        body()
        lock.unlock()
    }
}

/// The caller's delivery closure, called only under `WorkQueue.serialized`.
private struct UncheckedSink: @unchecked Sendable {
    let deliver: (Int, EncodedFrame) -> Bool
    init(_ deliver: @escaping (Int, EncodedFrame) -> Bool) { self.deliver = deliver }
}
