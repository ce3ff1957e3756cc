import Foundation
import Testing
import ModelIR
@testable import Driver

/// `ffn-prune` end to end: compile → artifact (verify, read back and run) → `pare export` →
/// the exported directory runs as the artifact does. Oracles: `pare verify`, and the artifact's
/// own outputs (the export must give the same cosines against the source, within 1e-6).
@Suite struct FFNPruneDriverTests {
    let directory = InspectTests.temporaryDirectory("pare-ffn-prune")
    var heldOut: String { InspectTests.repository + "/examples/calibration/heldout.txt" }

    @Test func prunedTinyBERTRoundTripsThroughTheArtifactAndTheExport() async throws {
        let path = directory + "/ffn.pare"
        let result = try await Compile.run(model: InspectTests.fixtures + "/tiny-bert", output: path,
                                           options: .init(recipe: "ffn-prune{fraction=0.5}"))
        #expect(result.manifest.passLog.map(\.pass) == ["ffn-prune"] && result.manifest.passLog[0].changed)
        #expect(try ArtifactTools.verify(path).problems.isEmpty)
        #expect(result.report.totals.after.parameters == result.report.totals.before.parameters - 2 * 21 * (32 + 1 + 32))
        let eval = try Eval.run(path: path, options: .init(against: InspectTests.fixtures + "/tiny-bert", data: heldOut, samples: 12))
        #expect(eval.points[0].mean > 0.5 && eval.points[0].mean < 1)

        let exported = directory + "/exported"
        try ArtifactTools.export(path, to: exported)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: exported + "/config.json"))) as? [String: Any]
        #expect(config?["intermediate_size"] as? Int == 16)
        let again = try Eval.run(path: exported, options: .init(against: InspectTests.fixtures + "/tiny-bert", data: heldOut, samples: 12))
        // Same weights; the runs may differ in the last bits when another test changes the BLAS thread count meanwhile.
        #expect(abs(again.points[0].mean - eval.points[0].mean) <= 1e-6)
        #expect(abs((again.comparison.hiddenMaxAbs ?? -1) - (eval.comparison.hiddenMaxAbs ?? 1)) <= 1e-4)
    }

    @Test func prunedGPT2ExportsItsWidthAsNInner() async throws {
        let path = directory + "/gpt2.pare"
        _ = try await Compile.run(model: InspectTests.fixtures + "/tiny-gpt2", output: path, options: .init(recipe: "ffn-prune{fraction=0.5,reconstruction=bias}"))
        #expect(try ArtifactTools.verify(path).problems.isEmpty)
        let exported = directory + "/gpt2-exported"
        try ArtifactTools.export(path, to: exported)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: exported + "/config.json"))) as? [String: Any]
        #expect(config?["n_inner"] as? Int == 64)
        let fromArtifact = try Eval.run(path: path, options: .init(data: heldOut, samples: 6, maxLength: 24))
        let fromExport = try Eval.run(path: exported, options: .init(data: heldOut, samples: 6, maxLength: 24))
        let p = try #require(fromArtifact.comparison.perplexity), q = try #require(fromExport.comparison.perplexity)
        #expect(abs(p - q) <= 1e-6 * p, "perplexity \(p) from the artifact, \(q) from the export")
    }

    @Test func differingWidthsRunFromTheArtifact() async throws {
        let path = directory + "/global.pare"
        _ = try await Compile.run(model: InspectTests.fixtures + "/tiny-bert", output: path,
                                  options: .init(recipe: "ffn-prune{global-fraction=0.5,keep-multiple=1}"))
        #expect(try ArtifactTools.verify(path).problems.isEmpty)
        let eval = try Eval.run(path: path, options: .init(against: InspectTests.fixtures + "/tiny-bert", data: heldOut, samples: 12))
        #expect(eval.points[0].mean > 0.5)
        let model = try ArtifactTools.open(path).model()
        let ff = model.blocks.map(\.mlp.up.outFeatures)
        #expect(Set(ff).count == 2 && ff.reduce(0, +) == 37, "widths \(ff)") // ⌊0.5 · 74⌋ = 37 removed, unevenly
        // config.json has one intermediate_size: the export says so instead of writing a wrong model.
        #expect(throws: DriverError.self) { try ArtifactTools.export(path, to: directory + "/global-export") }
        do { try ArtifactTools.export(path, to: directory + "/global-export") } catch {
            #expect(error.description.contains("blocks have different MLP widths (block 0: \(ff[0]); block 1: \(ff[1])), which one 'intermediate_size' in config.json cannot express; prune with ffn-prune{fraction=…}, which keeps one width in every block (global-fraction prunes blocks unevenly); keep this model as .pare"), "\(error)")
        }
    }

    /// Sentence-embedding cosine of MiniLM pruned at fraction 0.25 against the original on the
    /// held-out lines, for each reconstruction (printed); least-squares must not lose to none.
    /// Opt-in (three calibrated compiles): PARE_FFN_MINILM=1.
    @Test(.enabled(if: InspectTests.miniLMAvailable && ProcessInfo.processInfo.environment["PARE_FFN_MINILM"] == "1"))
    func miniLMCosineByReconstruction() async throws {
        var means: [String: Double] = [:]
        for reconstruction in ["none", "bias", "least-squares"] {
            let path = directory + "/minilm-\(reconstruction).pare"
            _ = try await Compile.run(model: InspectTests.miniLM, output: path,
                                      options: .init(recipe: "ffn-prune{fraction=0.25,reconstruction=\(reconstruction)}"))
            let eval = try Eval.run(path: path, options: .init(against: InspectTests.miniLM, data: heldOut, samples: 32))
            means[reconstruction] = eval.points[0].mean
            print("ffn-prune MiniLM fraction 0.25 reconstruction=\(reconstruction): mean cosine \(String(format: "%.4f", eval.points[0].mean)), worst \(String(format: "%.4f", eval.points[0].worst))")
        }
        #expect(means["least-squares"]! >= means["none"]!)
    }
}
