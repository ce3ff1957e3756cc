import Dispatch
import Foundation
import Kernels
import ModelIR
import Runtime
import TensorCore

/// The calibration samples' hidden states at one block boundary of an encoder or a decoder (each
/// sample from position 0, no cache carried between blocks), [Σ n_b, d] per
/// batch of `batchSize` samples: what a layer-by-layer compile carries from block l to block
/// l + 1 instead of the whole model. `measure(_:)` runs one block on every batch, gathers that
/// block's statistics and leaves the stream at the block's output.
///
/// Parallel and deterministic: batches go to `workers` threads, each on one BLAS thread; each
/// batch's statistics are gathered alone and added to the block's totals in batch order. The
/// batches are fixed by `batchSize`, not by the thread count, so the bits are the same on any
/// number of workers.
///
/// On several ranks (`Collective`) each rank carries a contiguous share of the batches; per block
/// every rank sends its batches' statistics (Gram rows included) and reduces everyone's in batch
/// order, so every rank holds the bits one process would, whatever the rank count.
public struct CalibrationStream: Sendable {
    public let batches: [TokenBatch]
    /// The batches this rank carries (`Collective.share(of:)`; all of them on one process).
    public let owned: Range<Int>
    /// hidden[i]: batch owned.lowerBound + i's rows entering the next block.
    public private(set) var hidden: [[Float]]
    /// Index of the block the stream enters next.
    public private(set) var block: Int
    public let workers: Int
    public let batchSize: Int
    /// The ranks the batches are split over; every rank receives every batch's statistics.
    public let collective: any Collective
    /// Per block measured: seconds computing this rank's batches, seconds in the exchange, bytes received.
    public private(set) var accounting: [BlockAccounting] = []
    /// What every block reads besides its weights (`PreparedBlock`'s shell).
    let shell: PreparedModel

    /// The embeddings of `samples` in batches of `batchSize` (block 0's input), of this rank's
    /// share of the batches.
    public init(_ model: Model, samples: [[Int]], batchSize: Int = 16, workers: Int = 0,
                collective: any Collective = SingleProcess()) throws(RuntimeError) {
        let embedder = PreparedModel.shell(model, embeddings: true)
        batches = stride(from: 0, to: samples.count, by: batchSize).map {
            TokenBatch(ids: Array(samples[$0..<min($0 + batchSize, samples.count)]))
        }
        self.batchSize = batchSize
        owned = collective.share(of: batches.count)
        var hidden: [[Float]] = []
        for batch in batches[owned] { hidden.append(try embedder.embedded(batch)) }
        self.hidden = hidden
        self.collective = collective
        shell = PreparedModel.shell(model, embeddings: false)
        block = 0
        self.workers = workers > 0 ? workers : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// A stream at block `block` with `hidden` (this rank's share, as `hidden` was), resuming a
    /// checkpointed run.
    public init(_ model: Model, samples: [[Int]], batchSize: Int, workers: Int, collective: any Collective,
                block: Int, hidden: [[Float]]) {
        batches = stride(from: 0, to: samples.count, by: batchSize).map {
            TokenBatch(ids: Array(samples[$0..<min($0 + batchSize, samples.count)]))
        }
        self.batchSize = batchSize
        owned = collective.share(of: batches.count)
        precondition(hidden.count == owned.count, "a checkpoint's hidden states are this rank's share")
        self.hidden = hidden
        self.collective = collective
        shell = PreparedModel.shell(model, embeddings: false)
        self.block = block
        self.workers = workers > 0 ? workers : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// What to gather while a block runs.
    public struct Request: Sendable, Equatable {
        /// Input statistics of the block's linears (q, k, v, o, up, down).
        public var inputs: Bool
        /// Linears (by role, e.g. `mlp.down`) whose input Gram matrix XᵀX is wanted.
        public var gram: Set<String>
        /// Mean contribution of each head through W_O (`ActivationStatistics.headScores`).
        public var headScores: Bool
        /// ACC of each sample (ACC-SPEC §3), in sample order.
        public var acc: Bool

        public init(inputs: Bool = false, gram: Set<String> = [], headScores: Bool = false, acc: Bool = false) {
            self.inputs = inputs
            self.gram = gram
            self.headScores = headScores
            self.acc = acc
        }

        public static let none = Request()
    }

    /// `measure` on one process, which receives nothing and so cannot meet torn bytes.
    public mutating func measureAlone(_ weights: Block<Tensor>, request: Request) -> BlockStatistics {
        precondition(collective.size == 1, "measureAlone is for one process; ranks call measure")
        do { return try measure(weights, request: request) } catch { preconditionFailure("one process received bytes: \(error)") }
    }

    /// Runs `weights`, the block the stream enters next, on every batch, gathering `request`,
    /// and moves the stream past it. On several ranks, throws `tornExchange` when another rank's
    /// statistics arrive truncated or corrupt (the caller's error ends every rank: `MPI_Abort`).
    public mutating func measure(_ weights: Block<Tensor>, request: Request) throws(CalibrationError) -> BlockStatistics {
        let block = PreparedBlock(weights, index: self.block, shell: shell)
        let causal = shell.config.causal
        let outputWeight = request.headScores ? DenseWeight.floats(weights.attention.o) : []
        let heads = weights.attention.keptHeads.count, headDim = weights.attention.headDim
        var total = BlockStatistics(layer: block.index, heads: heads)
        let batches = self.batches, owned = self.owned, single = collective.size == 1
        // Each worker writes only its own batch's entry.
        nonisolated(unsafe) let hidden = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: owned.count)
        _ = hidden.initialize(from: self.hidden)
        defer { hidden.deinitialize(); hidden.deallocate() }
        self.hidden = []
        // Gram matrices are big: one per linear input, fed by `GramAccumulator`s in batch order.
        var grams: [LinearInput: GramAccumulator] = [:]
        func add(_ part: inout BlockStatistics) {
            for which in LinearInput.allCases {
                if let (rows, width) = part.gramRows[which] { grams[which, default: GramAccumulator(width: width)].append(rows) }
            }
            part.gramRows = [:]
            total.merge(part)
        }
        // On several ranks this rank's batches' statistics wait, encoded, for the exchange.
        var mine = ByteWriter()
        let computeStart = ContinuousClock.now
        BLASThreads.withCount(1) {
            var start = owned.lowerBound
            while start < owned.upperBound {
                let round = start..<min(start + workers, owned.upperBound)
                nonisolated(unsafe) let partials = UnsafeMutableBufferPointer<BlockStatistics?>.allocate(capacity: round.count)
                partials.initialize(repeating: nil)
                defer { partials.deinitialize(); partials.deallocate() }
                DispatchQueue.concurrentPerform(iterations: round.count) { i in
                    let b = round.lowerBound + i
                    var part = BlockStatistics(layer: block.index, heads: heads)
                    let observeInputs: LinearInputObserver? = request.inputs || request.headScores ? { _, which, x, width in
                        if request.inputs {
                            part.add(which, x, width: width)
                            if !request.gram.isDisjoint(with: BlockStatistics.roles(which)) { part.gramRows[which] = (Array(x), width) }
                        }
                        if request.headScores, which == .output {
                            part.addHeadContributions(x, width: width, outputWeight: outputWeight, headDim: headDim)
                        }
                    } : nil
                    let observeAttention: AttentionObserver? = request.acc ? { p in
                        part.acc.append(ScoreVector.acc(ScoreVector.scores(p, causal: causal), protection: causal ? .last : .first))
                    } : nil
                    block.run(&hidden[b - owned.lowerBound], batch: batches[b], observe: observeAttention, inputs: observeInputs)
                    part.tokens = batches[b].tokenCount
                    partials[i] = part
                }
                for i in 0..<round.count {
                    if single { add(&partials[i]!) } else { partials[i]!.encode(into: &mine) }
                }
                start = round.upperBound
            }
        }
        let before = collective.accounting
        if !single {
            // Every rank's batches in rank order: the batches in order, reduced as on one process.
            for (rank, bytes) in collective.allGather(mine.bytes).enumerated() {
                let count = contiguousShare(of: batches.count, rank: rank, size: collective.size).count
                try BlockStatistics.decode(bytes, batches: count, from: rank, layer: block.index, heads: heads) { part throws(CalibrationError) in
                    guard part.fits(total), part.gramRows.allSatisfy({ grams[$0.key].map(\.width) ?? $0.value.width == $0.value.width }) else {
                        throw .tornExchange(rank: rank, block: block.index)
                    }
                    add(&part)
                }
            }
        }
        // The last rows' update too on one BLAS thread per band (`accumulateGramUpper`'s
        // contract): on more, OpenBLAS splits the bands' sgemms by the core count.
        BLASThreads.withCount(1) {
            for (which, accumulator) in grams {
                let gram = accumulator.finished()
                for role in BlockStatistics.roles(which) { total.inputs[role]?.gram = gram }
            }
        }
        let after = collective.accounting
        // Compute: everything but the exchange, the Gram updates from every rank's rows included.
        let computeSeconds = (ContinuousClock.now - computeStart).inSeconds - (after.seconds - before.seconds)
        accounting.append(BlockAccounting(block: block.index, batches: owned.count, computeSeconds: computeSeconds,
                                          exchangeSeconds: after.seconds - before.seconds,
                                          bytesSent: mine.bytes.count, bytesReceived: after.bytesReceived - before.bytesReceived))
        self.hidden = Array(hidden)
        self.block += 1
        return total
    }
}

/// Statistics of one block on the calibration batches (`CalibrationStream.measure`).
public struct BlockStatistics: Sendable {
    public let layer: Int
    /// Inputs of the block's linears by role (`attention.q`, …, `mlp.down`); q, k, v share one.
    public var inputs: [String: InputStatistics] = [:]
    /// Σ over tokens of ‖C_h·W_O[:, h]ᵀ‖₂ per kept head (divide by `tokens` for the mean).
    public var headSums: [Double]
    public var tokens = 0
    /// ACC of each sample in order; nil for a sample with no unprotected token.
    public var acc: [Double?] = []
    /// One batch's input rows [n, width] for the Gram matrices asked for, until they are added.
    var gramRows: [LinearInput: (rows: [Float], width: Int)] = [:]

    init(layer: Int, heads: Int) {
        self.layer = layer
        headSums = [Double](repeating: 0, count: heads)
    }

    /// Mean contribution of each head over the tokens.
    public var headScores: [Double] { headSums.map { $0 / Double(max(tokens, 1)) } }

    /// The linears (by role) that read input `which`.
    static func roles(_ which: LinearInput) -> [String] {
        switch which {
        case .attention: ["attention.q", "attention.k", "attention.v"]
        case .output: ["attention.o"]
        case .up: ["mlp.up"]
        case .down: ["mlp.down"]
        }
    }

    /// Adds rows x [n, width] of input `which` to the sums of the linears that read it.
    mutating func add(_ which: LinearInput, _ x: UnsafeBufferPointer<Float>, width: Int) {
        let roles = Self.roles(which)
        var stats = inputs[roles[0]] ?? InputStatistics(width: width, gram: false)
        stats.add(x, width: width)
        for role in roles { inputs[role] = stats }
    }

    /// headSums[h] += Σ_t ‖C[t, cols(h)]·W_O[:, cols(h)]ᵀ‖₂ for the contexts C [n, width].
    mutating func addHeadContributions(_ x: UnsafeBufferPointer<Float>, width: Int, outputWeight: [Float], headDim: Int) {
        let d = outputWeight.count / max(width, 1), n = x.count / width
        var y = [Float](repeating: 0, count: n * d)
        outputWeight.withUnsafeBufferPointer { w in
            y.withUnsafeMutableBufferPointer { y in
                for h in headSums.indices {
                    GEMM.multiply(x.baseAddress! + h * headDim, w.baseAddress! + h * headDim, into: y.baseAddress!, m: n, n: d, k: headDim,
                                  transposeB: true, lda: width, ldb: width, ldc: d)
                    for t in 0..<n {
                        var s: Double = 0
                        for c in 0..<d { s += Double(y[t * d + c]) * Double(y[t * d + c]) }
                        headSums[h] += s.squareRoot()
                    }
                }
            }
        }
    }

    /// Adds a later batch's statistics (batch order is the reduction order).
    mutating func merge(_ other: BlockStatistics) {
        for (role, stats) in other.inputs {
            if inputs[role] == nil { inputs[role] = stats } else { inputs[role]!.merge(stats) }
        }
        for h in headSums.indices { headSums[h] += other.headSums[h] }
        tokens += other.tokens
        acc += other.acc
    }
}

/// XᵀX of one linear input over every calibration token, fed one batch's rows at a time in batch
/// order. Rows wait until at least `chunkRows` are pending, then one update XᵀX over all of them
/// runs in `parts` fixed row bands on every core (`GEMM.accumulateGramUpper`). Where a chunk ends
/// depends only on the batches' lengths, never on the thread count, so neither do the bits; the
/// pending rows hold at most `chunkRows` + one batch.
struct GramAccumulator {
    static let chunkRows = 2048
    static let parts = 8
    let width: Int
    /// The upper triangle of XᵀX so far [width, width].
    private var gram: [Float]
    private var pending: [Float] = []

    init(width: Int) {
        self.width = width
        gram = [Float](repeating: 0, count: width * width)
    }

    mutating func append(_ rows: [Float]) {
        pending += rows
        if pending.count >= Self.chunkRows * width { flush() }
    }

    /// The upper triangle of XᵀX over every row appended (`InputStatistics.completeGram` mirrors it).
    consuming func finished() -> [Float] {
        flush()
        return gram
    }

    private mutating func flush() {
        guard !pending.isEmpty else { return }
        let width = width
        pending.withUnsafeBufferPointer { x in
            gram.withUnsafeMutableBufferPointer {
                GEMM.accumulateGramUpper(x.baseAddress!, rows: x.count / width, columns: width, into: $0.baseAddress!, parts: Self.parts)
            }
        }
        pending.removeAll(keepingCapacity: true)
    }
}

/// What measuring one block cost this rank: seconds running its batches, seconds in the exchange
/// (waiting for the slowest rank and moving the bytes), and the bytes it sent and received.
public struct BlockAccounting: Sendable, Equatable {
    public var block: Int
    public var batches: Int
    public var computeSeconds: Double
    public var exchangeSeconds: Double
    public var bytesSent: Int
    public var bytesReceived: Int

    /// Two streams' costs of the same block (batches are counted once: every stream runs them all).
    public static func + (a: BlockAccounting, b: BlockAccounting) -> BlockAccounting {
        BlockAccounting(block: a.block, batches: max(a.batches, b.batches), computeSeconds: a.computeSeconds + b.computeSeconds,
                        exchangeSeconds: a.exchangeSeconds + b.exchangeSeconds, bytesSent: a.bytesSent + b.bytesSent,
                        bytesReceived: a.bytesReceived + b.bytesReceived)
    }
}
