import Foundation
import Testing
import ModelIR
@testable import Driver

/// The spine end to end on the committed tiny BERT: plan → compile → verify → report → export → run.
/// Oracles: the unmodified model (f32 recipes must not change a single output), byte equality
/// for determinism, and the importer for the exported directory.
@Suite struct CompileTests {
    let directory = InspectTests.temporaryDirectory("pare-compile")
    let model = InspectTests.fixtures + "/tiny-bert"

    @Test func compileIsDeterministicAndVerifies() async throws {
        let a = directory + "/a.pare", b = directory + "/b.pare"
        let first = try await Compile.run(model: model, output: a, options: .init(recipe: "cast{dtype=bf16}"))
        _ = try await Compile.run(model: model, output: b,
                                  options: .init(recipe: "cast{dtype=bf16}", writer: .init(workers: 1)))
        #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b))
        #expect(first.manifest.passLog.map(\.options) == ["cast{dtype=bf16,embeddings=true,select=**}"])
        let verification = try ArtifactTools.verify(a)
        #expect(verification.problems.isEmpty && verification.tensors == first.manifest.tensors.count)
        // The report rebuilt from the artifact alone equals the one compile printed.
        #expect(try ArtifactTools.report(a, workload: Workload()) == first.report)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["a.pare", "b.pare"])
    }

    @Test func f32ArtifactRunsExactlyLikeTheDirectory() async throws {
        let path = directory + "/m.pare"
        _ = try await Compile.run(model: model, output: path, options: .init(recipe: "print-ir"))
        let texts = ["the quick brown fox", "a second, longer sentence about compression"]
        let fromDirectory = try Run.run(path: model, options: .init(texts: texts))
        let fromArtifact = try Run.run(path: path, options: .init(texts: texts))
        #expect(fromDirectory.inputs.map(\.ids) == fromArtifact.inputs.map(\.ids))
        #expect(fromDirectory.inputs.map(\.embedding) == fromArtifact.inputs.map(\.embedding))
    }

    @Test func exportReimportsToTheSameWeights() async throws {
        let path = directory + "/m.pare"
        _ = try await Compile.run(model: model, output: path, options: .init(recipe: "cast{dtype=f16}"))
        try ArtifactTools.export(path, to: directory + "/hf")
        let report = try Inspect.run(path: directory + "/hf", workload: Workload())
        #expect(report.parameters == 23_210 && report.bytesByDType == ["f16": 2 * 23_210])
        #expect(throws: DriverError.self) { try ArtifactTools.export(path, to: directory + "/hf") }
        // The artifact and its export run to the same embeddings (same f16 weights, same tokenizer).
        let texts = ["compressed models should still embed text the same way", "short"]
        #expect(try Run.run(path: path, options: .init(texts: texts)).inputs.map(\.embedding)
                == Run.run(path: directory + "/hf", options: .init(texts: texts)).inputs.map(\.embedding))
    }

    @Test func planChecksWithoutWeightsAndReportsErrors() throws {
        let plan = try Compile.plan(model: model, options: .init(recipe: "cast{select=blocks.7.*}"))
        #expect(plan.hasErrors)
        #expect(plan.diagnostics.map(\.description) == [
            "step 1 (cast): blocks.7.*: selects no linear; use a glob such as blocks.*.mlp.* (see `pare inspect` for the layer names)",
        ])
        #expect(throws: DriverError.pass(.unknownPass(step: 0, name: "cats", suggestion: "cast"))) {
            try Compile.plan(model: model, options: .init(recipe: "cats"))
        }
    }

    @Test func compileRefusesABadRecipeBeforeWritingAnything() async throws {
        await #expect(throws: DriverError.self) {
            try await Compile.run(model: model, output: directory + "/x.pare", options: .init(recipe: "cast{select=nothing}"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    /// Every recipe in passes/ says at its top what it is for and plans without errors on the tiny
    /// BERT and, when it was fetched, on MiniLM.
    @Test func committedRecipesAreDocumentedAndPlanCleanly() throws {
        let recipes = InspectTests.repository + "/passes"
        let files = try FileManager.default.contentsOfDirectory(atPath: recipes).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(["audit.yaml", "deploy-f16.yaml", "deploy-int8.yaml", "max-compress.yaml"].allSatisfy(files.contains))
        for file in files {
            let text = try String(contentsOfFile: recipes + "/" + file, encoding: .utf8)
            #expect(text.hasPrefix("# \(file.dropLast(5)): "), "\(file) starts with a comment naming it")
            for directory in [model] + (InspectTests.miniLMAvailable ? [InspectTests.miniLM] : []) {
                let plan = try Compile.plan(model: directory, options: .init(recipe: recipes + "/" + file))
                #expect(!plan.hasErrors, "\(file) on \(directory): \(plan.diagnostics)")
            }
        }
    }

    @Test func inspectReadsAnArtifact() async throws {
        let path = directory + "/m.pare"
        _ = try await Compile.run(model: model, output: path, options: .init(recipe: "cast{dtype=f16}"))
        let report = try Inspect.run(path: path, workload: Workload())
        #expect(report.kind == .artifact && report.parameters == 23_210)
        #expect(report.artifact?.passes == ["cast{dtype=f16,embeddings=true,select=**}  tensors-cast=\(report.tensorCount)"])
        #expect(report.tensors?.allSatisfy { $0.encoding != nil } == true)
    }
}

/// A failed compile loses nothing: no output file, an existing one untouched, inputs never overwritten.
@Suite struct CompileSafetyTests {
    let directory = InspectTests.temporaryDirectory("pare-compile-safety")

    /// A writable copy of the tiny BERT fixture.
    func modelCopy() throws -> String {
        let copy = directory + "/model"
        try FileManager.default.copyItem(atPath: InspectTests.fixtures + "/tiny-bert", toPath: copy)
        return copy
    }

    @Test func outputEqualToAnInputIsRefused() async throws {
        let model = try modelCopy()
        let weights = model + "/model.safetensors"
        let before = FileManager.default.contents(atPath: weights)
        await #expect(throws: DriverError.artifact(.file(.wouldOverwriteInput(path: weights)))) {
            try await Compile.run(model: model, output: weights, options: .init(recipe: "cast"))
        }
        #expect(FileManager.default.contents(atPath: weights) == before)
    }

    @Test func failureAfterTheWeightsWereReadLeavesAnExistingOutputUntouched() async throws {
        let model = try modelCopy()
        let output = directory + "/existing.pare"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: output))
        let empty = directory + "/empty.txt"
        try Data("\n".utf8).write(to: URL(fileURLWithPath: empty))
        await #expect(throws: DriverError.calibration(.empty(path: empty))) {
            try await Compile.run(model: model, output: output,
                                  options: .init(recipe: "cast,elimination-profile", calibration: .init(path: empty)))
        }
        #expect(FileManager.default.contents(atPath: output) == Data("keep me".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["empty.txt", "existing.pare", "model"])
    }
}
