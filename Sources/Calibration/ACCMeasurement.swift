import Kernels
import ModelIR
import Runtime
import TensorCore

/// ACC per layer measured on calibration samples with the full model (no elimination):
/// ACC_l = mean (or median) over samples of median_j SV_j (ACC-SPEC §3, Eq. A6).
public struct ACCMeasurement: Sendable, Equatable, Codable {
    public enum Aggregate: String, Sendable, Codable { case mean, median }

    /// ACC_l, l = 1…L.
    public var acc: [Double]
    /// Standard deviation over samples, per layer.
    public var standardDeviation: [Double]
    /// Samples that contributed (those with at least one unprotected token).
    public var samples: Int
    public var tokens: Int

    /// ACC_l from each layer's per-sample values (samples without an unprotected token left out).
    public init(perLayer: [[Double]], aggregate: Aggregate, tokens: Int) {
        acc = perLayer.map { values -> Double in
            aggregate == .mean ? values.reduce(0, +) / Double(max(values.count, 1)) : (ScoreVector.median(values) ?? 0)
        }
        standardDeviation = zip(perLayer, acc).map { values, mean -> Double in
            guard values.count > 1 else { return 0 }
            return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
        }
        samples = perLayer.first?.count ?? 0
        self.tokens = tokens
    }

    /// Runs `model` on `samples` (token ids, one array per sample) in batches and measures ACC.
    ///
    /// OpenBLAS gives last-bit differences with different thread counts, which can move a
    /// bisected λ and so the artifact's bytes; the measurement therefore runs on one BLAS thread
    /// (restored afterwards), so the same inputs give the same profile on any core count.
    public static func measure(_ model: PreparedModel, samples: [[Int]], batchSize: Int = 16,
                               aggregate: Aggregate = .mean) throws(RuntimeError) -> ACCMeasurement {
        try BLASThreads.withCount(1) { () throws(RuntimeError) in
            try measureOnThisThread(model, samples: samples, batchSize: batchSize, aggregate: aggregate)
        }
    }

    /// ACC of `model` on `samples` block by block on a `CalibrationStream` (`workers` threads, the
    /// values in sample order whatever their number), as the layer-by-layer compile measures it;
    /// an encoder-decoder's is its encoder's.
    public static func measure(model: Model, samples: [[Int]], batchSize: Int = 16, aggregate: Aggregate = .mean,
                               workers: Int = 0) throws(RuntimeError) -> ACCMeasurement {
        var stream = try CalibrationStream(model, samples: samples, batchSize: batchSize, workers: workers)
        var perLayer: [[Double]] = []
        for block in model.blocks {
            perLayer.append(stream.measureAlone(block, request: .init(acc: true)).acc.compactMap { $0 })
        }
        return ACCMeasurement(perLayer: perLayer, aggregate: aggregate, tokens: samples.reduce(0) { $0 + $1.count })
    }

    private static func measureOnThisThread(_ model: PreparedModel, samples: [[Int]], batchSize: Int,
                                            aggregate: Aggregate) throws(RuntimeError) -> ACCMeasurement {
        let causal = model.config.causal
        let protection: EliminationProfile.Protection = causal ? .last : .first
        var perLayer = [[Double]](repeating: [], count: model.config.layerCount)
        var batch: [[Int]] = []
        func flush() throws(RuntimeError) {
            guard !batch.isEmpty else { return }
            var found: [(Int, Double)] = []
            let observe: AttentionObserver = { p in
                if let a = ScoreVector.acc(ScoreVector.scores(p, causal: causal), protection: protection) {
                    found.append((p.layer, a))
                }
            }
            if causal { _ = try model.decode(TokenBatch(ids: batch), observe: observe) }
            else { _ = try model.encode(TokenBatch(ids: batch), observe: observe) }
            for (layer, a) in found { perLayer[layer].append(a) }
            batch.removeAll()
        }
        for sample in samples {
            batch.append(sample)
            if batch.count == batchSize { try flush() }
        }
        try flush()
        return ACCMeasurement(perLayer: perLayer, aggregate: aggregate, tokens: samples.reduce(0) { $0 + $1.count })
    }
}
