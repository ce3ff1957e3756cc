import Foundation
import ModelIR
@testable import ONNXExport
import Testing

/// The encoder-decoder (T5) graphs' structure, read back from the messages: optimum's three
/// files and their input and output names and order (`ORTModelForSeq2SeqLM` pairs the caches by
/// position), symbolic dims, the T5 parts of the blocks read from the model (RMS norms, no
/// attention scale, relative bias tables, gated or relu MLP, tied head with its d^−½ scale),
/// pruned shapes. Oracles: optimum's modeling_seq2seq.py, the ONNX operator docs, and the
/// runtime's `RelativePositions.bucket`; the numbers (greedy generation equal to `pare run`) are
/// checked by scripts/onnx/check_seq2seq_export.py with ONNX Runtime.
@Suite struct ONNXEncoderDecoderGraphTests {
    static func files(gated: Bool = false, int8: Bool = false) throws -> [String: Onnx_ModelProto] {
        let files = try ONNXModel.files(TinyT5.model(gated: gated, int8: int8), path: "out")
        #expect(files.map(\.name) == ["encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx"])
        return Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.proto) })
    }

    static func int64s(_ m: Onnx_ModelProto, _ name: String) -> [Int64]? {
        m.graph.initializer.first { $0.name == name }?.rawData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
    }

    @Test func inputsAndOutputsAreOptimums() throws {
        let f = try Self.files()
        let encoder = try #require(f["encoder_model.onnx"]), first = try #require(f["decoder_model.onnx"])
        let later = try #require(f["decoder_with_past_model.onnx"])
        #expect([encoder, first, later].allSatisfy { $0.opsetImport.map(\.version) == [17] && $0.irVersion == 8 })
        #expect(encoder.graph.input.map(\.name) == ["input_ids", "attention_mask"])
        #expect(encoder.graph.output.map(\.name) == ["last_hidden_state"])
        #expect(ONNXDecoderGraphTests.dims(encoder.graph.output[0]) == ["batch_size", "encoder_sequence_length", "8"])

        #expect(first.graph.input.map(\.name) == ["input_ids", "encoder_attention_mask", "encoder_hidden_states"])
        let presents = (0..<2).flatMap { l in ["decoder.key", "decoder.value", "encoder.key", "encoder.value"].map { "present.\(l).\($0)" } }
        #expect(first.graph.output.map(\.name) == ["logits"] + presents)
        #expect(ONNXDecoderGraphTests.dims(first.graph.output[0]) == ["batch_size", "decoder_sequence_length", "16"])

        let pasts = (0..<2).flatMap { l in ["decoder.key", "decoder.value", "encoder.key", "encoder.value"].map { "past_key_values.\(l).\($0)" } }
        #expect(later.graph.input.map(\.name) == ["input_ids", "encoder_attention_mask"] + pasts)
        #expect(later.graph.output.map(\.name) == ["logits"] + presents.filter { !$0.contains("encoder") })
    }

    /// Each layer's cache has its own kept head count: decoder layer 1 keeps one self-attention
    /// and one cross-attention head; the past sequence is symbolic, the encoder's length too.
    @Test func cacheShapesFollowEachLayersKeptHeads() throws {
        let f = try Self.files()
        let first = try #require(f["decoder_model.onnx"]), later = try #require(f["decoder_with_past_model.onnx"])
        let outputs = Dictionary(uniqueKeysWithValues: first.graph.output.map { ($0.name, ONNXDecoderGraphTests.dims($0)) })
        #expect(outputs["present.0.decoder.key"] == ["batch_size", "2", "decoder_sequence_length", "4"])
        #expect(outputs["present.1.decoder.value"] == ["batch_size", "1", "decoder_sequence_length", "4"])
        #expect(outputs["present.1.encoder.key"] == ["batch_size", "1", "encoder_sequence_length", "4"])
        let inputs = Dictionary(uniqueKeysWithValues: later.graph.input.map { ($0.name, ONNXDecoderGraphTests.dims($0)) })
        #expect(inputs["past_key_values.1.decoder.key"] == ["batch_size", "1", "past_decoder_sequence_length", "4"])
        #expect(inputs["past_key_values.0.encoder.value"] == ["batch_size", "2", "encoder_sequence_length", "4"])
        let laterOutputs = Dictionary(uniqueKeysWithValues: later.graph.output.map { ($0.name, ONNXDecoderGraphTests.dims($0)) })
        #expect(laterOutputs["present.1.decoder.key"] == ["batch_size", "1", "past_decoder_sequence_length + decoder_sequence_length", "4"])
        // The pruned layer's self-attention reads bias column 1 only; the cache grows by Concat.
        let gather = try #require(later.graph.node.first { $0.name == "decoder.blocks.1.attention/Gather_kept_heads" })
        #expect(Self.int64s(later, gather.input[1]) == [1])
        #expect(later.graph.node.contains { $0.opType == "Concat" && $0.input.first == "past_key_values.1.decoder.key" })
        // The query positions start at the past length, read from layer 0's cache.
        #expect(later.graph.node.contains { $0.opType == "Shape" && $0.input == ["past_key_values.0.decoder.key"] })
        #expect(!first.graph.node.contains { $0.opType == "Shape" && $0.input.first?.hasPrefix("past_key_values") == true })
    }

    /// The bias table by distance r ∈ −D...D is the stack's table at the runtime's bucket of r:
    /// bidirectional in the encoder, unidirectional (every later key bucket 0) in the decoder.
    @Test func relativeBiasIsTabulatedByDistance() throws {
        let model = TinyT5.model()
        let f = try Self.files()
        let scheme = TinyT5.relative, d = scheme.maxDistance
        for (file, name, table, bidirectional) in [("encoder_model.onnx", "encoder.relative_bias.by_distance", model.embeddings.relativeBias!, true),
                                                   ("decoder_model.onnx", "decoder.relative_bias.by_distance", model.decoder!.relativeBias!, false)] {
            let m = try #require(f[file])
            let t = try #require(m.graph.initializer.first { $0.name == name })
            #expect(t.dims == [Int64(2 * d + 1), 2])
            let got = t.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let source = table.floats()
            let expected = (-d...d).flatMap { r -> [Float] in
                let b = scheme.bucket(query: 0, key: r, bidirectional: bidirectional)
                return Array(source[(2 * b)..<(2 * b + 2)])
            }
            #expect(got == expected)
            let clip = try #require(m.graph.node.first { $0.opType == "Clip" })
            #expect(Self.int64s(m, clip.input[1]) == [Int64(-d)] && Self.int64s(m, clip.input[2]) == [Int64(d)])
        }
        // The decoder's later keys are all bucket 0, the encoder's are not.
        #expect(scheme.bucket(query: 0, key: 3, bidirectional: false) == 0 && scheme.bucket(query: 0, key: 3, bidirectional: true) != 0)
    }

    /// T5's block as data: RMS norms in the pattern ONNX Runtime fuses, no Mul_scale (scale 1),
    /// relu or the gated gelu-tanh MLP, the tied head scaling x by d^−½ before Transpose(word).
    @Test(arguments: [false, true])
    func blocksFollowTheModel(gated: Bool) throws {
        let f = try Self.files(gated: gated)
        let encoder = try #require(f["encoder_model.onnx"]), first = try #require(f["decoder_model.onnx"])
        #expect(encoder.graph.node.filter { $0.name.hasPrefix("blocks.0.attention_norm/") }.map(\.opType) == ["Pow", "ReduceMean", "Add", "Sqrt", "Div", "Mul"])
        #expect(!([encoder, first].flatMap(\.graph.node).contains { $0.name.hasSuffix("/Mul_scale") || $0.opType == "LayerNormalization" }))
        #expect(encoder.graph.node.contains { $0.name == "encoder.final_norm/Mul_weight" })
        #expect(first.graph.node.contains { $0.name == "decoder.final_norm/Mul_weight" })
        #expect(first.graph.node.contains { $0.name == "decoder.blocks.1.cross_attention_norm/Mul_weight" })
        if gated {
            #expect(first.graph.node.contains { $0.name == "decoder.blocks.0.mlp/Mul_gate" } && first.graph.node.contains { $0.opType == "Tanh" })
            #expect(first.graph.initializer.contains { $0.name == "head.language_model.weight" && $0.dims == [8, 16] })
            #expect(!first.graph.node.contains { $0.name == "head.language_model/Mul_logit_scale" })
        } else {
            #expect(first.graph.node.contains { $0.name == "decoder.blocks.0.mlp/Relu" })
            let scale = try #require(first.graph.node.first { $0.name == "head.language_model/Mul_logit_scale" })
            let c = try #require(first.graph.initializer.first { $0.name == scale.input[1] })
            #expect(c.rawData.withUnsafeBytes { $0.load(as: Float.self) } == 1 / Float(8).squareRoot())
            let tied = try #require(first.graph.node.first { $0.name == "head.language_model/MatMul" })
            #expect(tied.input[0] == scale.output[0])
        }
        // The first step's cross-attention keys are W_k·E from encoder_hidden_states; the later
        // steps read them from the cache and never see E.
        #expect(first.graph.node.contains { $0.name == "decoder.blocks.0.cross_attention.k/MatMul" && $0.input[0] == "encoder_hidden_states" })
        let later = try #require(f["decoder_with_past_model.onnx"])
        #expect(!later.graph.node.contains { $0.input.contains("encoder_hidden_states") })
        #expect(later.graph.node.contains { $0.name == "decoder.blocks.0.cross_attention.k/Transpose_scores" && $0.input == ["past_key_values.0.encoder.key"] })
    }

    /// W8A8 linears in every stack, per token as the encoder export does them; nodes in
    /// topological order in all three graphs.
    @Test func int8GraphsAreWellFormed() throws {
        let f = try Self.files(int8: true)
        for (name, m) in f {
            #expect(m.graph.node.filter { $0.opType == "MatMulInteger" }.count == (name == "encoder_model.onnx" ? 2 * 6 : 2 * 10 - (name == "decoder_with_past_model.onnx" ? 4 : 0)),
                    "\(name)")
            var defined = Set(m.graph.input.map(\.name) + m.graph.initializer.map(\.name))
            for node in m.graph.node {
                for input in node.input where !input.isEmpty { #expect(defined.contains(input), "\(name): \(node.name) reads undefined \(input)") }
                defined.formUnion(node.output)
            }
            #expect(m.graph.output.allSatisfy { defined.contains($0.name) })
        }
    }

    /// An encoder-decoder has no single graph: `proto` refuses it and points at `files`.
    @Test func oneGraphIsRefused() throws {
        #expect(throws: ONNXExportError.unsupportedModel(path: "out", reason: "an encoder-decoder has three graphs (ONNXModel.files), not one")) {
            try ONNXModel.proto(TinyT5.model(), path: "out")
        }
    }

    /// The directory optimum loads: the three files, config.json and generation_config.json.
    @Test func writesOptimumsLayout() throws {
        let dir = NSTemporaryDirectory() + "pare-onnx-t5-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ONNXExport.write(model: TinyT5.model(), sourceConfig: #"{"decoder_start_token_id": 0, "eos_token_id": 1, "pad_token_id": 0}"#,
                             tokenizerFiles: ["tokenizer.json": "{}"], to: dir)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["config.json", "decoder_model.onnx", "decoder_with_past_model.onnx", "encoder_model.onnx", "generation_config.json", "tokenizer.json"])
        let generation = try String(contentsOfFile: dir + "/generation_config.json", encoding: .utf8)
        #expect(generation.contains("\"decoder_start_token_id\" : 0"))
    }
}
