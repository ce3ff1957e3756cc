import ModelIR
import Runtime

/// The fidelity of a model eliminating tokens, against itself without elimination, on
/// calibration samples: mean cosine of mean-pooled embeddings (encoders) or the share of
/// samples whose greedy next token agrees (decoders). `elimination-profile{min-fidelity=…}`
/// searches λ with it.
struct FidelitySearch {
    let model: PreparedModel
    let batches: [TokenBatch]
    let profile: EliminationProfile
    let metric: EliminationProfile.Fidelity.Metric
    /// Per batch: the full model's embeddings (encoders) or next tokens (decoders).
    private let embeddings: [[[Float]]]
    private let tokens: [[Int]]

    init(_ model: PreparedModel, samples: [[Int]], profile: EliminationProfile, batchSize: Int) throws(RuntimeError) {
        self.model = model
        self.profile = profile
        batches = stride(from: 0, to: samples.count, by: batchSize).map {
            TokenBatch(ids: Array(samples[$0..<min(samples.count, $0 + batchSize)]))
        }
        metric = model.config.causal ? .agreement : .cosine
        var embeddings: [[[Float]]] = [], tokens: [[Int]] = []
        for batch in batches {
            if model.config.causal {
                tokens.append(try model.decode(batch).nextTokenLogits.map(PreparedModel.argmax))
            } else {
                embeddings.append(try model.encode(batch).sentenceEmbeddings())
            }
        }
        self.embeddings = embeddings
        self.tokens = tokens
    }

    /// The metric at λ over every calibration sample, in the profile's mode.
    func fidelity(lambda: Double) throws(RuntimeError) -> Double {
        try fidelity(Elimination(profile: profile, lambda: lambda))
    }

    /// The metric of the model eliminating as `elimination` says, over every calibration sample.
    func fidelity(_ elimination: Elimination) throws(RuntimeError) -> Double {
        var total = 0.0, count = 0
        for (b, batch) in batches.enumerated() {
            if model.config.causal {
                let next = try model.decode(batch, elimination: elimination).nextTokenLogits.map(PreparedModel.argmax)
                total += Double(zip(next, tokens[b]).filter { $0 == $1 }.count)
                count += next.count
            } else {
                for (e, reference) in zip(try model.encode(batch, elimination: elimination).sentenceEmbeddings(), embeddings[b]) {
                    total += EncoderOutput.cosine(e, reference)
                    count += 1
                }
            }
        }
        return total / Double(max(count, 1))
    }

    /// The smallest λ whose fidelity is at least `floor`, by bisection on (0, identity λ]
    /// (fidelity is 1 at the identity λ, where nothing is eliminated), 16 steps; with the
    /// fidelity there. Fidelity need not be monotone in λ: the λ found keeps the floor, and
    /// no λ in the last bracket below it was measured to.
    func smallestLambda(floor: Double) throws(RuntimeError) -> (lambda: Double, fidelity: Double) {
        var high = profile.identityLambda, highFidelity = 1.0
        var low = high / 64
        let lowFidelity = try fidelity(lambda: low)
        if lowFidelity >= floor { return (low, lowFidelity) }
        for _ in 0..<16 {
            let mid = (low + high) / 2
            let f = try fidelity(lambda: mid)
            if f >= floor { high = mid; highFidelity = f } else { low = mid }
        }
        return (high, highFidelity)
    }
}
