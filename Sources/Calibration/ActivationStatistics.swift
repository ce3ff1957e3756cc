import Kernels
import ModelIR
import Runtime
import TensorCore

/// Statistics of the activations entering one linear, over every calibration token:
/// the inputs X [tokens, in] of that linear.
public struct InputStatistics: Sendable, Equatable {
    /// Tokens seen.
    public var rows: Int
    /// Σ_t X[t, j] per input feature j, [in].
    public var sums: [Double]
    /// Σ_t X[t, j]² per input feature j, [in].
    public var sumSquares: [Double]
    /// Σ_t |X[t, j]| per input feature j, [in].
    public var sumAbs: [Double]
    /// max_t |X[t, j]| per input feature, [in].
    public var maxAbs: [Float]
    /// XᵀX [in, in] row-major (accumulated in f32), when requested. While tokens are being
    /// added only its upper triangle is kept (ssyrk); `ActivationStatistics` fills in the rest.
    public var gram: [Float]?

    /// ‖X[:, j]‖₂, the activation norm of Wanda's score |W_ij|·‖X_j‖.
    public var norms: [Double] { sumSquares.map { $0.squareRoot() } }

    /// μ_j = E_t[X[t, j]], the mean input of a bias correction b += (W − Ŵ)·μ.
    public var means: [Double] { sums.map { $0 / Double(max(rows, 1)) } }

    init(width: Int, gram: Bool) {
        rows = 0
        sums = [Double](repeating: 0, count: width)
        sumSquares = [Double](repeating: 0, count: width)
        sumAbs = [Double](repeating: 0, count: width)
        maxAbs = [Float](repeating: 0, count: width)
        self.gram = gram ? [Float](repeating: 0, count: width * width) : nil
    }

    mutating func add(_ x: UnsafeBufferPointer<Float>, width: Int) {
        let n = x.count / width
        for t in 0..<n {
            for j in 0..<width {
                let v = x[t * width + j]
                sums[j] += Double(v)
                sumSquares[j] += Double(v) * Double(v)
                sumAbs[j] += Double(abs(v))
                maxAbs[j] = max(maxAbs[j], abs(v))
            }
        }
        rows += n
        if gram != nil {
            gram!.withUnsafeMutableBufferPointer { GEMM.accumulateGramUpper(x.baseAddress!, rows: n, columns: width, into: $0.baseAddress!) }
        }
    }

    /// The whole symmetric Gram matrix from its accumulated upper triangle, in place.
    mutating func completeGram() {
        let m = sums.count
        if gram != nil { gram!.withUnsafeMutableBufferPointer { GEMM.mirrorUpper($0.baseAddress!, m: m) } }
    }

    /// Adds the statistics of later tokens: sums and Gram entries add, maxima take the larger.
    mutating func merge(_ other: InputStatistics) {
        rows += other.rows
        for j in sums.indices {
            sums[j] += other.sums[j]
            sumSquares[j] += other.sumSquares[j]
            sumAbs[j] += other.sumAbs[j]
            maxAbs[j] = max(maxAbs[j], other.maxAbs[j])
        }
        if gram != nil, let g = other.gram {
            gram!.withUnsafeMutableBufferPointer { a in g.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            } }
        }
    }
}

/// What the passes learn from running the model on calibration samples (DESIGN §4: computed
/// once per pipeline and dropped when a pass changes weights).
public struct ActivationStatistics: Sendable {
    /// Inputs of every block linear by path; q, k and v share one input, stored under each.
    public var inputs: [LayerPath: InputStatistics]
    /// headScores[l][i]: mean over tokens of ‖C_h · W_O[:, h]ᵀ‖₂ for the i-th kept head of block l,
    /// the size of that head's contribution to the residual stream.
    public var headScores: [[Double]]
    public var tokens: Int
    /// ACC of each calibration sample per block (by block index), when measured block by block.
    public var acc: [Int: [Double]] = [:]

    public init(inputs: [LayerPath: InputStatistics], headScores: [[Double]], tokens: Int) {
        self.inputs = inputs
        self.headScores = headScores
        self.tokens = tokens
    }

    /// Runs `model` (no elimination) on `samples` and gathers the statistics; Gram matrices only
    /// for the paths in `gram`. Block by block on a `CalibrationStream` (`workers` threads, one
    /// BLAS thread each, batches reduced in order), which is what the layer-by-layer compile runs
    /// too, so the numbers are the same on any core count and on both paths. An encoder-decoder's
    /// statistics are its encoder's (`blocks`).
    public static func measure(_ model: Model, samples: [[Int]], gram: Set<LayerPath> = [], batchSize: Int = 16,
                               workers: Int = 0) throws(RuntimeError) -> ActivationStatistics {
        var stream = try CalibrationStream(model, samples: samples, batchSize: batchSize, workers: workers)
        var blocks: [BlockStatistics] = []
        for (l, block) in model.blocks.enumerated() {
            let roles = Set(gram.compactMap { $0.role(inBlock: l) })
            blocks.append(stream.measureAlone(block, request: .init(inputs: true, gram: roles, headScores: true)))
        }
        return ActivationStatistics(blocks: blocks)
    }

    /// The statistics of blocks measured one at a time (`blocks[l]` of block l).
    public init(blocks: consuming [BlockStatistics]) {
        var inputs: [LayerPath: InputStatistics] = [:]
        for i in blocks.indices {
            for role in Array(blocks[i].inputs.keys) {
                var stats = blocks[i].inputs.removeValue(forKey: role)!
                stats.completeGram() // in place: the blocks' statistics are consumed
                inputs[.block(blocks[i].layer, role)] = stats
            }
        }
        self.init(inputs: inputs, headScores: blocks.map(\.headScores), tokens: blocks.first?.tokens ?? 0)
    }

    /// One block's statistics in a model of `layerCount` blocks (the other blocks' entries empty):
    /// what a pass reads of block `block.layer` in the layer-by-layer compile.
    public init(block: consuming BlockStatistics, layerCount: Int) {
        var inputs: [LayerPath: InputStatistics] = [:]
        for role in Array(block.inputs.keys) {
            var stats = block.inputs.removeValue(forKey: role)!
            stats.completeGram() // in place: the block's statistics are consumed
            inputs[.block(block.layer, role)] = stats
        }
        var headScores = [[Double]](repeating: [], count: layerCount)
        headScores[block.layer] = block.headScores
        self.init(inputs: inputs, headScores: headScores, tokens: block.tokens)
        acc = [block.layer: block.acc.compactMap { $0 }]
    }
}

/// A linear's weight as a dense f32 matrix [out, in], whatever its form (int8 forms dequantized:
/// s·q, then u·v for low-rank int8).
public enum DenseWeight {
    public static func floats(_ linear: Linear<Tensor>) -> [Float] {
        let out = linear.outFeatures, inF = linear.inFeatures
        switch linear.weight {
        case let .dense(w): return w.floats()
        case let .sparse(values, _, _, _): return values.floats()
        case let .int8(values, scales), let .sparseInt8(values, scales, _, _, _):
            return dequantized(values, scales)
        case let .lowRank(u, v):
            return GEMM.multiply(u.floats(), v.floats(), m: out, n: inF, k: u.shape[1])
        case let .lowRankInt8(u, uScales, v, vScales):
            return GEMM.multiply(dequantized(u, uScales), dequantized(v, vScales), m: out, n: inF, k: u.shape[1])
        }
    }

    /// s[o, i / g] · q[o, i] for int8 values [out, in] and scales [out] or [out, in/g].
    static func dequantized(_ values: Tensor, _ scales: Tensor) -> [Float] {
        let rows = values.shape[0], columns = values.shape[1]
        var w = [Float](repeating: 0, count: rows * columns)
        guard !w.isEmpty else { return w }
        let s = scales.floats()
        values.withUnsafeBytes { q in
            s.withUnsafeBufferPointer { s in
                w.withUnsafeMutableBufferPointer { w in
                    Int8Quantization.dequantize(q.baseAddress!.assumingMemoryBound(to: Int8.self), scales: s.baseAddress!, columns: columns,
                                                groupSize: scales.int8GroupSize(inFeatures: columns), rows: 0..<rows, into: w.baseAddress!)
                }
            }
        }
        return w
    }
}
