import Foundation
import Testing
import ModelIR
import Runtime
import Kernels
import Calibration
@testable import Driver

/// calibrate, compile with elimination-profile, run and bench with λ, on the committed fixtures.
@Suite struct EliminationCommandTests {
    let directory = InspectTests.temporaryDirectory("pare-elimination")
    let bert = InspectTests.fixtures + "/tiny-bert"
    let gpt2 = InspectTests.fixtures + "/tiny-gpt2"
    var corpus: String { InspectTests.repository + "/examples/calibration/default.txt" }

    func write(_ text: String, _ name: String) -> String {
        let path = directory + "/" + name
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func calibrateIsDeterministicAndMatchesTheCompiledProfile() async throws {
        let options = Calibrate.Options(calibration: .init(path: corpus, samples: 12, maxLength: 48))
        let a = try Calibrate.run(path: bert, options: options), b = try Calibrate.run(path: bert, options: options)
        #expect(a.json() == b.json())
        #expect(a.calibration.samples == 12 && a.acc.count == 2)
        let path = directory + "/m.pare"
        let result = try await Compile.run(model: bert, output: path, options: .init(
            recipe: "elimination-profile{fit=raw}", calibration: .init(path: corpus, samples: 12, maxLength: 48)))
        #expect(result.manifest.skeleton.elimination?.acc == a.acc)
        #expect(result.manifest.provenance.calibrationSHA256 == a.calibration.sha256)
        #expect(result.report.elimination != nil)
        // The artifact's report can be re-rendered at another λ.
        let other = try ArtifactTools.report(path, workload: Workload(), lambda: 0.6)
        #expect(other.elimination?.chosen.lambda == 0.6)
    }

    @Test func compileWithAProfileIsByteIdentical() async throws {
        let options = Compile.Options(recipe: "elimination-profile{target-speedup=1.5},cast{dtype=f16}",
                                      calibration: .init(path: corpus, samples: 8, maxLength: 32))
        let a = try await Compile.run(model: bert, output: directory + "/a.pare", options: options)
        let b = try await Compile.run(model: bert, output: directory + "/b.pare", options: options)
        #expect(FileManager.default.contents(atPath: directory + "/a.pare") == FileManager.default.contents(atPath: directory + "/b.pare"))
        #expect(a.report.json() == b.report.json() && a.report.html() == b.report.html())
        // λ is the largest at which the runtime (reference rates, the report's 1 × 128 workload)
        // runs 1.5× the same model without elimination: the report's figure says so.
        let profile = try #require(a.manifest.skeleton.elimination)
        let speedup = { (lambda: Double) in
            CostModel.eliminationSpeedup(a.manifest.skeleton, profile: profile, workload: Workload(), lambda: lambda, pricing: .reference)
        }
        #expect(speedup(profile.defaultLambda) >= 1.5 && speedup(profile.defaultLambda + 1e-8) < 1.5)
        #expect(try #require(a.report.elimination?.chosen.runtimeSpeedup) >= 1.5 - 1e-4)
    }

    /// The ONNX graph ranks by ACC alone: a profile that keeps tokens by energy exports only in
    /// full, and one that keeps by ACC exports with its elimination.
    @Test func onnxEliminationNeedsACCRanking() async throws {
        for keep in ["energy", "acc"] {
            let path = directory + "/keep-\(keep).pare"
            _ = try await Compile.run(model: bert, output: path, options: .init(
                recipe: "elimination-profile{lambda=0.5,fit=raw,mode=drop,keep=\(keep)}", calibration: .init(path: corpus, samples: 8, maxLength: 32)))
            let out = directory + "/onnx-\(keep)"
            if keep == "energy" {
                #expect(throws: DriverError.self) { try ArtifactTools.exportONNX(path, to: out, lambda: 0.5) }
                #expect(!FileManager.default.fileExists(atPath: out))
                try ArtifactTools.exportONNX(path, to: out)
            } else {
                try ArtifactTools.exportONNX(path, to: out, lambda: 0.5)
            }
            #expect(FileManager.default.fileExists(atPath: out + "/model.onnx"))
        }
    }

    @Test func runUsesTheArtifactsLambdaAndAcceptsAnother() async throws {
        let path = directory + "/m.pare"
        _ = try await Compile.run(model: bert, output: path, options: .init(
            recipe: "elimination-profile{lambda=0.5,fit=raw}", calibration: .init(path: corpus, samples: 8, maxLength: 32)))
        let text = "a long enough sentence so that several word vectors can be eliminated along the way"
        let byDefault = try Run.run(path: path, options: .init(texts: [text]))
        #expect(byDefault.lambda == 0.5)
        let kept = try #require(byDefault.inputs[0].tokensKept)
        #expect(kept.last! < kept.first!)
        let identity = try Run.run(path: path, options: .init(texts: [text], lambda: 100))
        let full = try Run.run(path: bert, options: .init(texts: [text]))
        #expect(identity.inputs[0].embedding == full.inputs[0].embedding)
    }

    @Test func badLambdaAndMissingProfileAreErrors() throws {
        #expect(throws: DriverError.usage("--lambda needs an elimination profile, and this model has none",
                                          "compile it with a recipe that runs elimination-profile")) {
            try Run.run(path: bert, options: .init(texts: ["x"], lambda: 0.9))
        }
        #expect(throws: DriverError.self) { try Run.run(path: bert, options: .init(texts: ["x"], lambda: 0)) }
        #expect(throws: DriverError.self) { try Run.run(path: bert, options: .init(texts: ["x"], lambda: .nan)) }
    }

    @Test func badCalibrationInputs() async throws {
        let empty = write("\n\n", "empty.txt")
        #expect(throws: DriverError.calibration(.empty(path: empty))) {
            try Calibrate.run(path: bert, options: .init(calibration: .init(path: empty)))
        }
        // GPT-2 one-token prompts leave nothing but the protected last token: no ACC.
        let oneToken = write("{\"input_ids\": [5]}\n{\"input_ids\": [7]}\n", "one.jsonl")
        #expect(throws: DriverError.self) {
            try Calibrate.run(path: gpt2, options: .init(calibration: .init(path: oneToken)))
        }
        // Samples longer than the limit are truncated and counted.
        let long = write(String(repeating: "word ", count: 200) + "\n", "long.txt")
        let report = try Calibrate.run(path: bert, options: .init(calibration: .init(path: long, maxLength: 40)))
        #expect(report.calibration.truncated == 1 && report.calibration.tokens == 40)
    }

    @Test func benchReportsTheEliminatingRunBesideTheFullOne() async throws {
        let path = directory + "/m.pare"
        _ = try await Compile.run(model: bert, output: path, options: .init(
            recipe: "elimination-profile{fit=raw}", calibration: .init(path: corpus, samples: 8, maxLength: 32)))
        let report = try Bench.run(path: path, options: .init(workload: Workload(batch: 2, sequenceLength: 32), threads: 1,
                                                             warmup: 0, runs: 1, lambda: 0.6))
        let e = try #require(report.elimination)
        #expect(e.lambda == 0.6 && e.tokensKept.first == 32 && e.tokensKept.last! < 32)
        #expect(e.predictedSpeedup > 1 && e.measuredSpeedup > 0)
        #expect(try Bench.run(path: bert, options: .init(workload: Workload(batch: 1, sequenceLength: 8), warmup: 0, runs: 1)).elimination == nil)
    }

    /// `bench A --against B` times A as deployed (at its baked λ) unless `full`, and prints the
    /// runtime cost model's prediction for the same batch. Oracle for the prediction: the batch's
    /// runtime cost summed sample by sample from the whole-model cost at the kept counts.
    @Test func benchAgainstTimesTheArtifactAsDeployed() async throws {
        let path = directory + "/d.pare"
        _ = try await Compile.run(model: bert, output: path, options: .init(
            recipe: "elimination-profile{fit=raw,lambda=0.6}", calibration: .init(path: corpus, samples: 8, maxLength: 32)))
        let w = Workload(batch: 2, sequenceLength: 32)
        let deployed = try Bench.compare(path: path, against: bert, options: .init(workload: w, threads: 1, warmup: 0, runs: 2))
        let artifact = try ModelSource.load(path).model, profile = try #require(artifact.elimination)
        #expect(deployed.lambda == profile.defaultLambda && deployed.referenceLambda == nil)
        let counts = profile.keptCounts(tokens: 32, lambda: profile.defaultLambda)
        #expect(counts.last! < 32)
        let full = CostModel.cost(artifact, workload: w, pricing: .reference).total
        let outside = CostModel.cost(artifact, workload: Workload(batch: 1, sequenceLength: 32), pricing: .reference)
        let eliminated = 2 * (outside.embeddings + outside.head
            + CostModel.blockCosts(artifact, counts: counts, pricing: .reference).reduce(0) { $0 + $1.total })
        #expect(abs(deployed.predictedSpeedup - Double(full) / Double(eliminated)) < 1e-12 && deployed.predictedSpeedup > 1)
        #expect(deployed.speedup > 0 && deployed.fastestRunsSpeedup > 0)
        #expect(deployed.text().contains("at λ = ") && deployed.text().contains("predicted"))
        // --full: both without elimination; the same weights, so predicted exactly 1.
        let whole = try Bench.compare(path: path, against: bert, options: .init(workload: w, threads: 1, warmup: 0, runs: 1, full: true))
        #expect(whole.lambda == nil && whole.predictedSpeedup == 1)
    }

    /// `min-fidelity` with `holdout=0`: the baked λ keeps the floor on the calibration samples
    /// (oracle: the cosine recomputed here from `pare run`-style embeddings of the same samples),
    /// a λ a little below it does not, and the profile records the value and the mode.
    @Test func minFidelityChoosesTheSmallestLambdaKeepingTheFloor() async throws {
        let path = directory + "/f.pare"
        let calibration = CalibrationOptions(path: corpus, samples: 8, maxLength: 32)
        let result = try await Compile.run(model: bert, output: path, options: .init(
            recipe: "elimination-profile{fit=raw,min-fidelity=0.9,holdout=0}", calibration: calibration))
        let profile = try #require(result.manifest.skeleton.elimination)
        let fidelity = try #require(profile.fidelity)
        #expect(profile.mode == .merge && fidelity.metric == .cosine && fidelity.floor == 0.9 && fidelity.value >= 0.9)
        #expect(profile.defaultLambda < profile.identityLambda)
        let source = try ModelSource.load(bert)
        let samples = try CalibrationInput.load(calibration, config: source.model.config, tokenizer: source.tokenizer(path: bert)).samples
        let model = PreparedModel(source.model)
        func cosine(_ lambda: Double) throws -> Double {
            try BLASThreads.withCount(1) { () throws -> Double in try cosineOnOneThread(lambda) }
        }
        func cosineOnOneThread(_ lambda: Double) throws -> Double {
            var total = 0.0
            for batch in stride(from: 0, to: samples.count, by: 16).map({ TokenBatch(ids: Array(samples[$0..<min(samples.count, $0 + 16)])) }) {
                let full = try model.encode(batch).sentenceEmbeddings()
                let eliminated = try model.encode(batch, elimination: Elimination(profile: profile, lambda: lambda)).sentenceEmbeddings()
                total += zip(full, eliminated).reduce(0) { $0 + EncoderOutput.cosine($1.0, $1.1) }
            }
            return total / Double(samples.count)
        }
        let recomputed = try cosine(profile.defaultLambda)
        #expect(abs(recomputed - fidelity.value) < 1e-9, "\(recomputed) vs \(fidelity.value)")
        #expect(fidelity.heldOut == nil && fidelity.chosenOn == nil)
        #expect(try cosine(profile.defaultLambda * 0.97) < 0.9)
        #expect(result.report.elimination?.mode == "merge" && result.report.elimination?.fidelity?.floor == 0.9)
        #expect(result.report.markdown().contains("mode merge"))
        // Two ways of choosing the default λ at once are an error.
        await #expect(throws: (any Error).self) {
            try await Compile.run(model: bert, output: directory + "/g.pare", options: .init(
                recipe: "elimination-profile{min-fidelity=0.9,target-speedup=1.5}", calibration: calibration))
        }
    }

    /// The default `holdout=0.25`: λ is chosen (and ACC fitted) on the first 6 of 8 samples and the
    /// floor checked on the last 2; oracle: both cosines recomputed here from the same samples,
    /// and the profile equal to one fitted on the first 6 alone.
    @Test func minFidelityChecksTheFloorOnHeldOutSamples() async throws {
        let calibration = CalibrationOptions(path: corpus, samples: 8, maxLength: 32)
        let result = try await Compile.run(model: bert, output: directory + "/h.pare", options: .init(
            recipe: "elimination-profile{fit=raw,min-fidelity=0.9}", calibration: calibration))
        let profile = try #require(result.manifest.skeleton.elimination)
        let fidelity = try #require(profile.fidelity)
        #expect(fidelity.chosenOn == 6 && fidelity.heldOut == 2)
        let source = try ModelSource.load(bert)
        let samples = try CalibrationInput.load(calibration, config: source.model.config, tokenizer: source.tokenizer(path: bert)).samples
        let model = PreparedModel(source.model)
        func cosine(_ part: ArraySlice<[Int]>) throws -> Double {
            try BLASThreads.withCount(1) { () throws -> Double in
                let batch = TokenBatch(ids: Array(part))
                let full = try model.encode(batch).sentenceEmbeddings()
                let eliminated = try model.encode(batch, elimination: Elimination(profile: profile, lambda: profile.defaultLambda)).sentenceEmbeddings()
                return zip(full, eliminated).reduce(0) { $0 + EncoderOutput.cosine($1.0, $1.1) } / Double(part.count)
            }
        }
        #expect(abs(try cosine(samples[6...]) - fidelity.value) < 1e-9)
        #expect(abs(try cosine(samples[..<6]) - (fidelity.chosenOnValue ?? -1)) < 1e-9)
        #expect(fidelity.chosenOnValue! >= 0.9)
        let fitted = try ACCMeasurement.measure(model: source.model, samples: Array(samples[..<6]))
        #expect(profile.acc == fitted.acc)
        #expect(result.report.markdown().contains("checked on the 2 held out"))
        // One sample cannot be split.
        await #expect(throws: (any Error).self) {
            try await Compile.run(model: bert, output: directory + "/h1.pare", options: .init(
                recipe: "elimination-profile{min-fidelity=0.9}", calibration: .init(path: corpus, samples: 1, maxLength: 32)))
        }
    }

    /// Decoders: the floor is on the greedy next token's agreement with the model in full.
    @Test func minFidelityOnAGPT2UsesNextTokenAgreement() async throws {
        let result = try await Compile.run(model: gpt2, output: directory + "/g2.pare", options: .init(
            recipe: "elimination-profile{fit=raw,min-fidelity=0.75}", calibration: .init(path: corpus, samples: 8, maxLength: 32)))
        let profile = try #require(result.manifest.skeleton.elimination)
        let fidelity = try #require(profile.fidelity)
        #expect(fidelity.metric == .agreement && fidelity.chosenOnValue! >= 0.75 && profile.protection == .last && profile.mode == .merge)
        // Agreement counts whole samples: a multiple of 1/2 on the 2 of 8 held out.
        #expect(fidelity.heldOut == 2 && (fidelity.value * 2).rounded() == fidelity.value * 2)
    }

    @Test func runAndEvalOverrideTheMode() async throws {
        let path = directory + "/o.pare"
        _ = try await Compile.run(model: bert, output: path, options: .init(
            recipe: "elimination-profile{lambda=0.5,fit=raw,mode=drop}", calibration: .init(path: corpus, samples: 8, maxLength: 32)))
        let text = "a long enough sentence so that several word vectors can be eliminated along the way"
        let dropped = try Run.run(path: path, options: .init(texts: [text]))
        let merged = try Run.run(path: path, options: .init(texts: [text], mode: .merge))
        #expect(dropped.inputs[0].tokensKept == merged.inputs[0].tokensKept && dropped.inputs[0].embedding != merged.inputs[0].embedding)
        let report = try Eval.run(path: path, options: .init(data: InspectTests.repository + "/examples/calibration/heldout.txt",
                                                            samples: 6, lambdas: [0.5], bothModes: true))
        #expect(report.points.map(\.mode) == [nil, "drop", "merge", "mlerp"])
        #expect(report.points.filter(\.baked).map(\.mode) == ["drop"])
        #expect(throws: DriverError.self) { try Run.run(path: bert, options: .init(texts: ["x"], mode: .merge)) }
    }
}
