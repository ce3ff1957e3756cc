/// Reusable memory for one forward pass: one buffer per `Slot`, grown to the largest request and
/// reused by every layer, so a forward pass allocates its temporaries once rather than per linear
/// and per layer. Contents are not zeroed between uses: every user writes before it reads.
/// Not thread-safe; each forward pass makes its own.
final class Scratch {
    enum Slot: Int, CaseIterable {
        /// u8 activation codes of an int8 linear's input [rows, in].
        case codes
        /// Per-row activation scales and zero points [rows].
        case rowScales, zeroPoints
        /// int32 accumulators of an int8 GEMM [rows, out].
        case accumulators
        /// The [rows, r] intermediate of a low-rank linear.
        case middle
        /// Q | K | V [rows, d_a + 2·d_kv], the attention context [rows, d_a], one head's scores [n, n].
        case qkv, context, scores
        /// The MLP's hidden activations [rows, d_ff].
        case inner
        /// A gated MLP's gate | up outputs [rows, 2·d_ff].
        case gateUp
        /// A tile of a 16-bit weight widened to f32 [`HalfGEMM.tileRows`, in] for prefill.
        case widened
    }

    private var buffers: [UnsafeMutableRawPointer?] = Array(repeating: nil, count: Slot.allCases.count)
    private var capacities: [Int] = Array(repeating: 0, count: Slot.allCases.count)

    /// Whether dense f32 linears of up to `DenseGEMV.maximumRows` rows run the GEMV (decoder
    /// passes, where those are the decode steps) rather than sgemm (encoders, whose few-row
    /// passes are rare and keep one product form for every batch).
    let denseGEMV: Bool

    init(denseGEMV: Bool = false) { self.denseGEMV = denseGEMV }

    deinit {
        for b in buffers { b?.deallocate() }
    }

    /// `count` elements of `T` in `slot`, 64-byte aligned, valid until the next request of the
    /// same slot (a larger request may move it).
    func buffer<T>(_ slot: Slot, count: Int, of _: T.Type = T.self) -> UnsafeMutablePointer<T> {
        let bytes = max(1, count) * MemoryLayout<T>.stride
        let i = slot.rawValue
        if capacities[i] < bytes {
            buffers[i]?.deallocate()
            buffers[i] = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            capacities[i] = bytes
        }
        return buffers[i]!.bindMemory(to: T.self, capacity: max(1, count))
    }
}
