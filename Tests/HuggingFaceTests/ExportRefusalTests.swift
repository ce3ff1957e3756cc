import Foundation
@testable import HuggingFace
import ModelIR
import Testing

/// Shapes transformers cannot express are refused by `pare export` with which blocks differ
/// and what to do, before anything is written, instead of a config.json that loads wrong.
@Suite final class ExportRefusalTests {
    let scratch = Fixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    func refusal(_ fixture: String, _ recipe: String) async throws -> String? {
        let compiled = try await RoundTrip.compiled(fixture, recipe)
        let out = scratch + "/export"
        let message = RoundTrip.failure(out) { _ = try RoundTrip.exportAndImport(compiled, fixture: fixture, to: out) }
        #expect(!FileManager.default.fileExists(atPath: out))
        return message
    }

    /// One Llama block pruned: one `num_attention_heads` cannot say 4 heads here and 2 there.
    @Test func differentHeadCountsPerBlock() async throws {
        #expect(try await refusal("tiny-llama", "head-prune{heads=[1:2,1:3],reconstruction=none}")
            == "out: cannot export: blocks keep different attention heads (block 0: 4 query / 2 key-value heads; block 1: 2 query / 1 key-value heads), which one llama config.json (num_attention_heads, num_key_value_heads) cannot express; prune with head-prune{fraction=…}, which removes the same number of whole key/value groups in every block (heads= and global-fraction prune blocks unevenly); keep this model as .pare or file an issue")
    }

    /// ffn-prune's global fraction prunes blocks unevenly: one `intermediate_size` cannot say both.
    @Test func differentMLPWidthsPerBlock() async throws {
        let message = try await refusal("tiny-llama", "ffn-prune{global-fraction=0.5,keep-multiple=1,reconstruction=none}")
        #expect(message?.hasPrefix("out: cannot export: blocks have different MLP widths (block 0: ") == true, "\(message ?? "")")
        #expect(message?.hasSuffix("which one 'intermediate_size' in config.json cannot express; prune with ffn-prune{fraction=…}, which keeps one width in every block (global-fraction prunes blocks unevenly); keep this model as .pare or file an issue") == true)
    }

    /// Mistral holds no biases, and Llama, which does, has no sliding window.
    @Test func mistralWithASlidingWindowAndBiases() async throws {
        #expect(try await refusal("tiny-mistral", "ffn-prune{fraction=0.25,keep-multiple=1}")
            == "out: cannot export: a pass gave the MLP a bias, which a mistral checkpoint cannot hold (nor, with its sliding window of 8, as a llama checkpoint); use reconstruction=none in head-prune / ffn-prune for a model you export; keep this model as .pare or file an issue")
    }
}
