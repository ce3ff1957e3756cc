import Testing
@testable import Driver

/// `pare bench --generate`: figures that follow from the model and the options, not timings
/// (no timed unit tests): weight bytes per step equal the model's linears and LM head in the
/// form they run, the runs are counted, and `--against` reports both models and a ratio.
@Suite struct BenchGenerateTests {
    static let llama = InspectTests.fixtures + "/tiny-llama"

    @Test func reportsPrefillDecodeAndBytesPerToken() throws {
        let options = Bench.GenerateOptions(tokens: 4, promptLength: 6, threads: 1, warmup: 0, runs: 2, measureBandwidth: false)
        let report = try Bench.generate(path: Self.llama, options: options)
        let run = try #require(report.models.first)
        #expect(report.models.count == 1 && report.batch == 1 && report.tokens == 4 && report.decodeSpeedup == nil)
        #expect(run.prefill.median > 0 && run.decodePerToken.median > 0 && run.tokensPerSecond > 0 && run.bandwidthFraction == nil)
        // Oracle: Σ out·in·4 over the f32 fixture's block linears and LM head.
        let model = try ModelSource.load(Self.llama).model
        let linears = model.linears.map { $0.linear.inFeatures * $0.linear.outFeatures }.reduce(0, +)
        let head = model.head.languageModel == nil && model.head.tiedToEmbeddings ? model.config.vocabSize * model.config.hiddenSize : 0
        #expect(run.weightBytesPerToken == 4 * (linears + head))
        #expect(report.text().contains("tokens/s") && report.json().contains("\"weight_bytes_per_token\""))
    }

    @Test func againstRunsBothModels() throws {
        let options = Bench.GenerateOptions(tokens: 3, batch: 2, promptLength: 4, threads: 1, warmup: 0, runs: 1, measureBandwidth: false)
        let report = try Bench.generate(path: Self.llama, against: Self.llama, options: options)
        #expect(report.models.count == 2 && (report.decodeSpeedup ?? 0) > 0 && report.text().contains("speedup"))
    }

    @Test func refusesEncodersAndTooFewTokens() throws {
        let bert = InspectTests.fixtures + "/tiny-bert"
        #expect(throws: DriverError.usage("\(bert): bench --generate times decoders, and this is bert", "drop --generate to time its forward pass")) {
            try Bench.generate(path: bert, options: .init(tokens: 4))
        }
        #expect(throws: DriverError.usage("--generate 1 times no decode step", "generate at least 2 tokens")) {
            try Bench.generate(path: Self.llama, options: .init(tokens: 1))
        }
    }
}
