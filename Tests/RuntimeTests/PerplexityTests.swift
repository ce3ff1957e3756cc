import Foundation
import Testing
import HuggingFace
@testable import Runtime

/// Oracle: the next-token logits of every prefix, computed by separate forward passes.
@Suite struct PerplexityTests {
    @Test(arguments: ["tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2"])
    func negativeLogLikelihoodMatchesPrefixByPrefixLogits(name: String) throws {
        let model = PreparedModel(try ModelImporter.model(directory: Goldens.fixtures + "/" + name).graph)
        let ids = [5, 9, 14, 200, 33, 71, 8, 120, 4, 66, 17]
        var want = 0.0
        for t in 1..<ids.count {
            let logits = try model.decode(TokenBatch(ids: [Array(ids.prefix(t))])).nextTokenLogits[0].map(Double.init)
            let m = logits.max()!
            want += log(logits.reduce(0) { $0 + exp($1 - m) }) + m - logits[ids[t]]
        }
        let got = try model.negativeLogLikelihood(TokenBatch(ids: [ids, [1, 2]]))
        #expect(got[0].count == 10 && got[1].count == 1)
        #expect(abs(got[0].sum - want) <= 1e-3 * max(1, abs(want)), "NLL \(got[0].sum) vs \(want)")
    }
}
