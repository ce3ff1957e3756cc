#if canImport(Glibc)
import Glibc
#endif

extension PreparedModel {
    /// Σ −log p(x_{t+1} | x_≤t) over every position of each sample, and the number of predicted
    /// tokens (n − 1), for perplexity = exp(Σ NLL / Σ count). Logits are computed a few rows at a
    /// time, so a large vocabulary never needs a [tokens, vocab] buffer.
    public func negativeLogLikelihood(_ batch: TokenBatch, elimination: Elimination? = nil) throws(RuntimeError) -> [(sum: Double, count: Int)] {
        guard config.causal, let languageModel else {
            throw .unsupported("perplexity needs a causal language model with a language-model head")
        }
        guard elimination == nil else {
            throw .unsupported("perplexity needs every position; eliminated tokens have no next-token prediction")
        }
        let out = try decode(batch)
        let d = config.hiddenSize, v = config.vocabSize, chunk = 16
        var logits = [Float](repeating: 0, count: chunk * v)
        return batch.ids.indices.map { b in
            let rows = Array(out.hidden(sample: b)), ids = batch.ids[b]
            var sum = 0.0
            var t = 0
            while t < ids.count - 1 {
                let n = min(chunk, ids.count - 1 - t)
                rows.withUnsafeBufferPointer { h in
                    logits.withUnsafeMutableBufferPointer { languageModel.apply(h.baseAddress! + t * d, rows: n, into: $0.baseAddress!) }
                }
                for r in 0..<n {
                    let row = logits[(r * v)..<((r + 1) * v)]
                    let m = Double(row.max() ?? 0)
                    let logSum = log(row.reduce(0.0) { $0 + exp(Double($1) - m) }) + m
                    sum += logSum - Double(row[row.startIndex + ids[t + r + 1]])
                }
                t += n
            }
            return (sum, ids.count - 1)
        }
    }
}
