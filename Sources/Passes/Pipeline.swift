import Foundation
import ModelIR
import TensorCore

/// One line of the pass log: which pass ran with which options and what it did.
/// Wall time is kept apart (`seconds`) and never written into artifacts, which stay byte-identical.
public struct PassLogEntry: Codable, Sendable, Equatable {
    public var pass: String
    /// Every option with its value, in the CLI text form: `cast{dtype=f16,embeddings=true,select=**}`.
    public var options: String
    public var changed: Bool
    public var counters: [String: Int]
    public var diagnostics: [Diagnostic]
}

/// One step as it ran: its log line, wall time, any text it produced, and the skeleton after it
/// (which, unlike the static `effect`, knows data-dependent results such as chosen ranks).
public struct PipelineStep: Sendable {
    public var entry: PassLogEntry
    public var seconds: Double
    public var output: String?
    public var skeleton: Skeleton
}

/// An ordered list of configured passes, built from a recipe. `check` runs every step's static
/// check on the skeleton the previous steps' effects produce, before any weight is read; `run`
/// runs the steps in order and verifies the IR after each.
public struct Pipeline: Sendable {
    public let recipe: Recipe
    let passes: [any Pass]

    public init(recipe: Recipe) throws(PassError) {
        self.recipe = recipe
        var passes: [any Pass] = []
        for (i, step) in recipe.steps.enumerated() {
            guard let type = PassRegistry.lookup(step.pass) else {
                throw .unknownPass(step: i, name: step.pass, suggestion: PassRegistry.suggestion(for: step.pass))
            }
            passes.append(try type.make(from: step, index: i))
        }
        self.passes = passes
    }

    /// Whether any step reads calibration samples.
    public var needsCalibration: Bool { passes.contains { $0.needsCalibration } }

    /// The canonical recipe: every step with all of its options.
    public var canonicalRecipe: Recipe { Recipe(steps: passes.map { $0.canonicalStep }, summary: recipe.summary) }

    /// Static check of the whole pipeline. Returns the diagnostics (located as
    /// `step N (pass): <where>`) and the skeleton after every step (`skeletons[0]` is the input).
    public func check(_ skeleton: Skeleton) -> (diagnostics: [Diagnostic], skeletons: [Skeleton]) {
        var s = skeleton, skeletons = [skeleton], diagnostics: [Diagnostic] = []
        for (i, pass) in passes.enumerated() {
            let found = pass.check(s)
            diagnostics += found.map { d in
                var d = d
                d.location = "step \(i + 1) (\(type(of: pass).name)): \(d.location)"
                return d
            }
            if found.contains(where: { $0.severity == .error }) { break }
            pass.effect(on: &s)
            skeletons.append(s)
        }
        return (diagnostics, skeletons)
    }

    /// Runs every step in order on `model`. Throws on the first failure; the model is then
    /// partly transformed and must not be written.
    public func run(on model: inout Model, context: PassContext,
                    progress: (Int, String) -> Void = { _, _ in }) async throws(PassError) -> [PipelineStep] {
        let (diagnostics, _) = check(model.skeleton)
        if diagnostics.contains(where: { $0.severity == .error }) { throw .checkFailed(diagnostics) }
        var log: [PipelineStep] = []
        for (i, pass) in passes.enumerated() {
            let name = type(of: pass).name
            progress(i, name)
            let start = ContinuousClock.now
            let result = try await pass.run(on: &model, context: context)
            let elapsed = ContinuousClock.now - start
            let problems = model.verify()
            guard problems.isEmpty else { throw .verifierFailed(step: i, pass: name, diagnostics: problems) }
            if result.changed { context.invalidate(keeping: result.preservedAnalyses) }
            log.append(PipelineStep(entry: PassLogEntry(pass: name, options: pass.canonicalStep.description, changed: result.changed,
                                                        counters: result.counters, diagnostics: result.diagnostics),
                                    seconds: elapsed.inSeconds, output: result.output, skeleton: model.skeleton))
        }
        return log
    }
}
