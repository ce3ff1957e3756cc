import Foundation
import ModelIR
import Report
import Testing

/// Oracle: the rules of DESIGN.md §6 (deterministic, no timestamps or paths, escaped text,
/// self-contained HTML) and the JSON schema in schemas/report.schema.json.
@Suite struct ReportRenderingTests {
    static let schemaURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../schemas/report.schema.json").standardized

    @Test func jsonIsDeterministic() {
        let a = Report(Scenarios.minilmPipeline()), b = Report(Scenarios.minilmPipeline())
        #expect(a == b)
        #expect(a.json() == b.json() && a.json() == a.json())
        #expect(a.markdown() == b.markdown() && a.html() == b.html())
        #expect(a.json().hasSuffix("}\n"))
    }

    @Test func jsonDecodesBackToTheSameReport() throws {
        let report = Report(Scenarios.minilmPipeline())
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try decoder.decode(Report.self, from: Data(report.json().utf8)) == report)
    }

    @Test(arguments: ["minilm", "gpt2", "llama", "t5", "elimination"])
    func jsonValidatesAgainstTheSchema(_ scenario: String) throws {
        var input = switch scenario {
        case "gpt2": Scenarios.gpt2Plan()
        case "llama": Scenarios.llamaPlan()
        case "t5": try Scenarios.t5Plan()
        default: Scenarios.minilmPipeline()
        }
        if scenario == "elimination" {
            input.before.elimination = EliminationProfile(acc: [0.83, 0.5, 0.49, 0.49, 0.44, 0.57], protection: .first, defaultLambda: 0.9)
            input.stages = []
        }
        let report = Report(input)
        #expect((scenario == "elimination") == (report.elimination != nil))
        if scenario == "t5" {
            #expect(report.workload.generatedTokens == 32 && report.layers.map(\.layer).contains("decoder.blocks.1"))
            #expect(report.totals.before.parameters == 68_480)  // transformers' num_parameters()
        }
        if scenario == "llama" {
            #expect(report.architecture.kvHeads == 2 && report.architecture.features == ["rmsnorm", "gated-mlp", "rotary"])
            #expect(report.markdown().contains("llama · 2 layers · d = 64 · 4 heads sharing 2 key/value · rmsnorm · gated-mlp · rotary · d\\_ff = 172"))
        }
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.schemaURL))
        let document = try JSONSerialization.jsonObject(with: Data(report.json().utf8))
        let errors = SchemaCheck(root: schema).errors(document, against: schema)
        let valid = errors.isEmpty
        #expect(valid, "\(errors.count) errors, first: \(errors.prefix(5))")
    }

    @Test func schemaCheckCatchesWhatItShould() throws {
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.schemaURL))
        var object = try #require(try JSONSerialization.jsonObject(with: Data(Report(Scenarios.gpt2Plan()).json().utf8)) as? [String: Any])
        object["surprise"] = 1
        object.removeValue(forKey: "totals")
        object["version"] = 1
        let errors = SchemaCheck(root: schema).errors(object, against: schema)
        #expect(errors.contains { $0.contains("surprise") })
        #expect(errors.contains { $0.contains("totals") })
        #expect(errors.contains { $0.contains("version") })
    }

    @Test func noPathsOrTimestamps() {
        let report = Report(Scenarios.minilmPipeline())
        for text in [report.json(), report.markdown(), report.html()] {
            #expect(!text.contains("/work") && !text.contains("/tmp") && !text.contains("/Users"))
            #expect(!text.contains("2026") && !text.contains("UTC"))
        }
    }

    @Test func htmlIsSelfContainedAndEscaped() {
        var input = Scenarios.gpt2Plan()
        input.model = "<script>alert(\"x\")</script> & 'co'"
        input.diagnostics = [Diagnostic(.warning, at: "blocks.0.mlp.up", "a < b & c > d")]
        let html = Report(input).html()
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;"))
        #expect(html.contains("a &lt; b &amp; c &gt; d"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == 2)  // only the SVG namespace
        #expect(html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(!html.contains("https://") && !html.contains("<link") && !html.contains("@import") && !html.contains("url("))
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        let md = Report(input).markdown()
        #expect(md.contains("\\<script\\>"))
    }

    @Test func chartHasGroupedBarsAxisLabelsAndLegend() {
        let html = Report(Scenarios.minilmPipeline()).html()
        // 8 layers × (before, after) bars, plus 2 legend swatches.
        #expect(html.components(separatedBy: "<rect ").count - 1 == 8 * 2 + 2)
        #expect(html.contains(">MFLOP</text>") && html.contains(">layer</text>"))
        #expect(html.contains(">before</text>") && html.contains(">after</text>"))
        #expect(html.contains("<title>1 after: 227,950,592 FLOPs</title>"))
    }

    @Test func eliminationAppearsWithAProfile() {
        var input = Scenarios.gpt2Plan()
        let report = Report(input)
        #expect(report.elimination == nil && !report.json().contains("elimination"))
        #expect(!report.markdown().contains("Token elimination"))
        // ACC [0.9, 0.6] unfitted: EP = [1, 2/3], identity λ = 1.5 (ACC-SPEC Eq. 2).
        input.before.elimination = EliminationProfile(acc: [0.9, 0.6], fit: .raw, protection: .last, defaultLambda: 0.9)
        let e = try! #require(Report(input).elimination)
        let n = input.workload.sequenceLength
        let counts = input.before.elimination!.keptCounts(tokens: n, lambda: 0.9)
        #expect(e.chosen.lambda == 0.9 && e.chosen.tokensKept == Array(counts.dropFirst()))
        #expect(e.identityLambda == 1.5 && e.ep == [1, 0.6667])
        #expect(e.sweep.map(\.lambda).last == 1.5 && e.sweep.last?.speedup == 1)
        #expect(e.sweep.contains { $0.lambda == 0.9 })
        let r = Report(input)
        #expect(r.json().contains("\"model_speedup\""))
        #expect(r.markdown().contains("## Token elimination") && r.markdown().contains("### λ sweep"))
        #expect(r.html().contains("id=\"elimination\"") && r.html().contains("ACC per layer and its fitted curve"))
    }
}
