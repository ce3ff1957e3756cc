import Foundation
import JSON
import ModelIR
@testable import HuggingFace
import Testing
import TensorCore
@testable import Artifact

/// `HFExport` writes directories the importer (and transformers, see scripts/fixtures/check_export.py)
/// reads back as the same model.
@Suite final class HFExportTests {
    /// Removed with everything in it when the test ends.
    let scratch = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    /// Fixture → .pare → model() → export → import: every tensor has the original's bytes.
    @Test(arguments: ArtifactFixtures.names)
    func exportReimportsToTheSameTensors(name: String) throws {
        let original = try ArtifactFixtures.model(name)
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        try ArtifactFixtures.write(original, fixture: name, to: dir + "/m.pare")
        let reader = try ArtifactReader(path: dir + "/m.pare")
        let out = dir + "/export"
        try HFExport.write(model: try reader.model(), sourceConfig: reader.manifest.sourceConfig,
                           tokenizerFiles: reader.manifest.tokenizerFiles, to: out)

        let imported = try ModelImporter.model(directory: out)
        #expect(imported.graph == original)
        let source = try ModelImporter.model(directory: ArtifactFixtures.directory(name))
        #expect(imported.buffers.isEmpty)
        #expect(imported.consumed == source.consumed.filter { !source.buffers.contains($0) })
        for (file, text) in reader.manifest.tokenizerFiles {
            #expect(try String(contentsOfFile: out + "/" + file, encoding: .utf8) == text)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["export", "m.pare"])
    }

    /// Keys other than the adjusted ones are kept; output is sorted and newline-terminated.
    @Test func configIsTheSourceConfigAdjusted() throws {
        var model = try ArtifactFixtures.model("tiny-gpt2")
        ModelForms.pruneHeads(&model, block: 1, keep: [0, 3])
        let json = try ExportConfig.json(model, sourceConfig: try ArtifactFixtures.sourceConfig("tiny-gpt2"), path: "out")
        let config = try ManifestCoding.decode(JSONValue.self, from: json).get().dictionary!
        let source = try ManifestCoding.decode(JSONValue.self, from: Array(try ArtifactFixtures.sourceConfig("tiny-gpt2").utf8))
            .get().dictionary!
        #expect(config["pruned_heads"] == ["1": [1, 2]])
        #expect(config.filter { $0.key != "pruned_heads" } == source)
        #expect(json.last == UInt8(ascii: "\n"))
        #expect(String(decoding: json, as: UTF8.self).hasPrefix("{\n  \"activation_function\" : \"gelu_new\",\n"))
    }

    @Test func refusesExistingTargetsAndLeavesNothingBehind() throws {
        let model = try ArtifactFixtures.model("tiny-bert")
        let config = try ArtifactFixtures.sourceConfig("tiny-bert")
        let dir = ArtifactFixtures.temporaryDirectory(in: scratch)
        func export(_ to: String, _ files: [String: String] = [:]) -> ArtifactError? {
            ArtifactFixtures.error { try HFExport.write(model: model, sourceConfig: config, tokenizerFiles: files, to: to) }
        }
        try FileManager.default.createDirectory(atPath: dir + "/full", withIntermediateDirectories: true)
        try ArtifactFixtures.writeBytes([1], to: dir + "/full/x")
        try ArtifactFixtures.writeBytes([1], to: dir + "/file")
        #expect(export(dir + "/full") == .exportTargetExists(path: dir + "/full"))
        #expect(export(dir + "/file") == .exportTargetExists(path: dir + "/file"))
        #expect(export(ArtifactFixtures.directory("tiny-bert")) == .exportTargetExists(path: ArtifactFixtures.directory("tiny-bert")))
        #expect(export(dir + "/bad", ["../vocab.txt": "x"]) == .invalidFileName(path: dir + "/bad", name: "../vocab.txt"))
        #expect(export(dir + "/bad", ["config.json": "x"]) == .invalidFileName(path: dir + "/bad", name: "config.json"))
        // Fails after staging began (a directory where config.json already is): staging removed.
        if case .file = export(dir + "/late", ["config.json/x": "x"]) {} else { Issue.record("expected a file error") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["file", "full"])

        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        #expect(export(dir + "/empty", ["1_Pooling/config.json": "{}"]) == nil)
        #expect(try String(contentsOfFile: dir + "/empty/1_Pooling/config.json", encoding: .utf8) == "{}")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["empty", "file", "full"])
    }

    @Test func unsupportedShapesOfModelAreRefused() throws {
        var model = try ArtifactFixtures.model("tiny-gpt2")
        model.head.pooler = model.blocks[0].attention.o
        let error = ArtifactFixtures.error {
            try HFExport.write(model: model, sourceConfig: "{}", tokenizerFiles: [:], to: "/tmp/never")
        }
        #expect(error == .exportUnsupported(path: "/tmp/never", reason: "a GPT-2 model needs exactly embeddings, blocks and a final norm (no pooler, classifier or token types)"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never"))

        var classifier = try ArtifactFixtures.model("tiny-bert-cls")
        classifier.head.pooler = nil
        let out = scratch + "/cls"
        #expect(ArtifactFixtures.error {
            try HFExport.write(model: classifier, sourceConfig: "{}", tokenizerFiles: [:], to: out)
        } == .exportUnsupported(path: out, reason: "a BERT classifier without a pooler (BertForSequenceClassification would start from a random pooler)"))
    }

    /// A BERT model without a classifier is exported as `BertModel`, whatever the source said.
    @Test func architecturesNameTheExportedClass() throws {
        var model = try ArtifactFixtures.model("tiny-bert-cls")
        model.head.classifier = nil
        let json = try ExportConfig.json(model, sourceConfig: try ArtifactFixtures.sourceConfig("tiny-bert-cls"), path: "out")
        #expect(try ManifestCoding.decode(JSONValue.self, from: json).get().dictionary?["architectures"] == ["BertModel"])
    }

    /// Llama has no `pruned_heads`: whole key/value groups pruned alike in every layer become
    /// `num_attention_heads`, `num_key_value_heads` and `head_dim`; uneven layers are refused.
    @Test func prunedGroupsOfALlamaBecomeItsHeadCounts() throws {
        var model = try ArtifactFixtures.model("tiny-llama")  // 4 query heads sharing 2 key/value heads of 8
        for i in model.blocks.indices { Self.keep(&model, block: i, heads: [2, 3]) }
        #expect(model.verify().isEmpty)
        let json = try ExportConfig.json(model, sourceConfig: try ArtifactFixtures.sourceConfig("tiny-llama"), path: "out")
        let config = try #require(try ManifestCoding.decode(JSONValue.self, from: json).get().dictionary)
        #expect(config["num_attention_heads"] == .int(2) && config["num_key_value_heads"] == .int(1) && config["head_dim"] == .int(8))
        #expect(config["pruned_heads"] == nil && config["tie_word_embeddings"] == .bool(false))
        // Layer 1 keeps a different group size: not expressible.
        Self.keep(&model, block: 1, heads: [3])
        #expect(ArtifactFixtures.error { try ExportConfig.json(model, sourceConfig: try ArtifactFixtures.sourceConfig("tiny-llama"), path: "out") }?
            .description.contains("blocks keep different attention heads (block 0: 2 query / 1 key-value heads; block 1: 1 query / 1 key-value heads), which one llama config.json (num_attention_heads, num_key_value_heads) cannot express; prune with head-prune{fraction=…}") == true)
    }

    /// Keeps query heads `heads` (original indices, a subset of the kept ones) of block `i`, and the
    /// key/value heads they read: rows of q, k, v, columns of o.
    static func keep(_ model: inout Model, block i: Int, heads: [Int]) {
        var a = model.blocks[i].attention
        let dh = a.headDim
        let queryRows = heads.flatMap { h in (a.keptHeads.firstIndex(of: h)! * dh)..<((a.keptHeads.firstIndex(of: h)! + 1) * dh) }
        let kv = a.keptKVHeads, keptKV = Set(heads.map { $0 / a.queriesPerKVHead })
        let kvRows = kv.indices.filter { keptKV.contains(kv[$0]) }.flatMap { p in (p * dh)..<((p + 1) * dh) }
        func rows(_ l: Linear<Tensor>, _ r: [Int]) -> Linear<Tensor> {
            guard case let .dense(w) = l.weight else { fatalError("dense only") }
            let f = w.floats(), n = l.inFeatures
            return Linear(inFeatures: n, outFeatures: r.count, weight: .dense(Tensor(r.flatMap { f[($0 * n)..<(($0 + 1) * n)] }, shape: [r.count, n])),
                          bias: l.bias.map { b in Tensor(r.map { b.floats()[$0] }, shape: [r.count]) })
        }
        guard case let .dense(o) = a.o.weight else { fatalError("dense only") }
        let of = o.floats(), width = a.o.inFeatures
        a.o = Linear(inFeatures: queryRows.count, outFeatures: a.o.outFeatures,
                     weight: .dense(Tensor((0..<a.o.outFeatures).flatMap { r in queryRows.map { of[r * width + $0] } }, shape: [a.o.outFeatures, queryRows.count])),
                     bias: a.o.bias)
        a.q = rows(a.q, queryRows)
        a.k = rows(a.k, kvRows)
        a.v = rows(a.v, kvRows)
        a.keptHeads = heads
        model.blocks[i].attention = a
    }

    /// T5: both stacks, the relative bias tables and the untied head go out under transformers'
    /// names and come back as the same model; a pruned head is refused, nothing left behind.
    @Test(arguments: ["tiny-t5", "tiny-flan-t5"])
    func t5ExportsAndReimports(name: String) throws {
        let model = try ArtifactFixtures.model(name)
        let out = ArtifactFixtures.temporaryDirectory(in: scratch) + "/\(name)"
        try HFExport.write(model: model, sourceConfig: try ArtifactFixtures.sourceConfig(name), tokenizerFiles: [:], to: out)
        #expect(try ModelImporter.model(directory: out).graph == model)
        var pruned = model
        Self.keep(&pruned, block: 0, heads: [0, 1, 2])
        let refused = out + "-pruned"
        let refusal = ArtifactFixtures.error {
            try HFExport.write(model: pruned, sourceConfig: try ArtifactFixtures.sourceConfig(name), tokenizerFiles: [:], to: refused)
        }
        #expect(refusal?.description.contains("T5 checkpoints cannot describe pruned heads") == true)
        #expect(!FileManager.default.fileExists(atPath: refused))
    }
}
