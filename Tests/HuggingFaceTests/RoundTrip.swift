import Artifact
import Calibration
import Foundation
@testable import HuggingFace
import ModelIR
import Passes
import Runtime
import TensorCore

/// Compile → export → re-import, as `pare compile` and `pare export` do it, and what a model
/// computes, for comparing an export with the model it was written from.
enum RoundTrip {
    /// 16 calibration samples of 12–16 ids in 5..<195 (every fixture vocabulary has ≥ 200), 224 tokens.
    static let samples: [[Int]] = (0..<16).map { s in (0..<(12 + s % 5)).map { (s * 37 + $0 * 13) % 190 + 5 } }
    /// Held-out ids the outputs are compared on.
    static let heldOut: [[Int]] = [[7, 19, 150, 3, 88, 41, 120], [5, 66, 190, 12, 9]]

    /// `fixture` imported and transformed by `recipe` (text form, or a recipe file path) on `samples`.
    static func compiled(_ fixture: String, _ recipe: String, edit: (inout Model) -> Void = { _ in }) async throws -> Model {
        var model = try ModelImporter.model(directory: Fixtures.model(fixture)).graph
        edit(&model)
        let loaded = recipe.hasSuffix(".yaml") ? try RecipeLoader.load(file: recipe) : try RecipeText.parse(recipe)
        let context = PassContext(calibration: CalibrationSet(samples: samples, source: "round-trip", sha256: "",
                                                              truncated: 0, available: samples.count))
        _ = try await Pipeline(recipe: loaded).run(on: &model, context: context)
        return model
    }

    /// `model` exported with the fixture's config.json as its source to `directory`, then imported.
    static func exportAndImport(_ model: Model, fixture: String, to directory: String) throws -> Model {
        let source = try String(contentsOfFile: Fixtures.model(fixture) + "/config.json", encoding: .utf8)
        try HFExport.write(model: model, sourceConfig: source, tokenizerFiles: [:], to: directory)
        return try ModelImporter.model(directory: directory).graph
    }

    /// The model the export describes: every linear's weight as the export writes it
    /// (`Densify`: int8 dequantized, low-rank multiplied out) and run on float activations.
    static func densified(_ model: Model) -> Model {
        var m = model
        for (path, l) in model.linears {
            _ = m.setLinear(Linear(inFeatures: l.inFeatures, outFeatures: l.outFeatures, weight: .dense(Densify.weight(l.weight)),
                                   bias: l.bias), at: path)
        }
        return m
    }

    /// What `m` computes on `heldOut`, concatenated: a decoder's final hidden states [Σn, d] and
    /// next-token logits [2, vocab]; an encoder's last hidden states; T5's encoder output and the
    /// logits of its first decoder step for each input.
    static func outputs(_ m: Model) throws -> [Float] {
        let prepared = PreparedModel(m), batch = TokenBatch(ids: heldOut)
        if m.config.causal {
            let out = try prepared.decode(batch)
            return out.lastHidden + out.nextTokenLogits.flatMap { $0 }
        }
        let encoded = try prepared.encode(batch).lastHidden
        guard m.decoder != nil else { return encoded }
        return try encoded + heldOut.flatMap { try prepared.firstStepLogits(input: $0) }
    }

    /// The message of what `body` throws, with `directory` written `out`; nil when it does not throw.
    static func failure(_ directory: String, _ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)".replacingOccurrences(of: directory, with: "out") }
    }
}
