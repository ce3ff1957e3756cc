import Foundation
import ModelIR
@testable import ONNXExport
import Testing

/// The decoder-with-past graph's structure, read back from the message: optimum's input and
/// output names (`ORTModelForCausalLM`, as `optimum-cli export onnx --task
/// text-generation-with-past` writes them for tiny-llama), symbolic dims, opset, the optional
/// parts of the block per family, pruned shapes. Oracle: the ONNX operator docs and optimum's own
/// export; the numbers (greedy generation equal to `pare run`) are checked by
/// scripts/onnx/check_decoder_export.py with ONNX Runtime.
@Suite struct ONNXDecoderGraphTests {
    static func proto(_ family: TinyDecoder.Family, _ weights: TinyDecoder.Weights = .dense, prunedKV: Bool = false) throws -> Onnx_ModelProto {
        try ONNXModel.proto(TinyDecoder.model(family, weights, prunedKV: prunedKV), path: "out")
    }

    static func dims(_ info: Onnx_ValueInfoProto) -> [String] {
        info.type.tensorType.shape.dim.map { $0.dimParam.isEmpty ? String($0.dimValue) : $0.dimParam }
    }

    static func ops(_ m: Onnx_ModelProto, prefix: String = "") -> [String] {
        m.graph.node.filter { $0.name.hasPrefix(prefix) }.map(\.opType)
    }

    @Test(arguments: [TinyDecoder.Family.llama, .gpt2])
    func inputsAndOutputsAreOptimums(family: TinyDecoder.Family) throws {
        let m = try Self.proto(family)
        #expect(m.opsetImport.map(\.version) == [17] && m.opsetImport[0].domain.isEmpty && m.irVersion == 8)
        let cache = (0..<2).flatMap { l in ["\(l).key", "\(l).value"] }
        #expect(m.graph.input.map(\.name) == ["input_ids", "attention_mask", "position_ids"] + cache.map { "past_key_values.\($0)" })
        #expect(m.graph.output.map(\.name) == ["logits"] + cache.map { "present.\($0)" })
        #expect(Self.dims(m.graph.input[0]) == ["batch_size", "sequence_length"])
        #expect(Self.dims(m.graph.input[1]) == ["batch_size", "past_sequence_length + sequence_length"])
        #expect(Self.dims(m.graph.input[2]) == ["batch_size", "sequence_length"])
        #expect(Self.dims(m.graph.output[0]) == ["batch_size", "sequence_length", "32"])
        let int64 = Int32(Onnx_TensorProto.DataType.int64.rawValue), f32 = Int32(Onnx_TensorProto.DataType.float.rawValue)
        #expect(m.graph.input.prefix(3).allSatisfy { $0.type.tensorType.elemType == int64 })
        #expect(m.graph.input.dropFirst(3).allSatisfy { $0.type.tensorType.elemType == f32 })
        #expect(m.graph.output.allSatisfy { $0.type.tensorType.elemType == f32 })
    }

    /// Layer 0 keeps config.json's G heads of d/H: fixed dims as optimum declares them. A pruned
    /// layer's past has symbolic heads and width (optimum's empty first-step past is shaped from
    /// config.json; the graph reshapes it), its present the layer's own g_l and d_h.
    @Test func cacheShapesFollowEachLayersKeptHeads() throws {
        let m = try Self.proto(.llama, prunedKV: true)
        let input = Dictionary(uniqueKeysWithValues: m.graph.input.map { ($0.name, Self.dims($0)) })
        let output = Dictionary(uniqueKeysWithValues: m.graph.output.map { ($0.name, Self.dims($0)) })
        #expect(input["past_key_values.0.key"] == ["batch_size", "2", "past_sequence_length", "4"])
        #expect(output["present.0.value"] == ["batch_size", "2", "past_sequence_length + sequence_length", "4"])
        #expect(input["past_key_values.1.key"] == ["batch_size", "past_key_values.1.heads", "past_sequence_length", "past_key_values.1.head_dim"])
        #expect(output["present.1.key"] == ["batch_size", "1", "past_sequence_length + sequence_length", "4"])
        let reshape = try #require(m.graph.node.first { $0.input.first == "past_key_values.1.value" })
        #expect(reshape.opType == "Reshape")
        let shape = try #require(m.graph.initializer.first { $0.name == reshape.input[1] })
        #expect(shape.rawData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) } == [0, 1, -1, 4])
        // Query heads [2, 3] both read the one kept key/value head.
        let gather = try #require(m.graph.node.first { $0.name == "blocks.1.attention.key_heads/Gather" })
        let indices = try #require(m.graph.initializer.first { $0.name == gather.input[1] })
        #expect(indices.rawData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) } == [0, 0])
        #expect(gather.input[0] == "present.1.key")
    }

    /// Llama: RMSNorm as the pattern ONNX Runtime fuses, rotary Q and K, SwiGLU, grouped-query
    /// heads gathered per query head (uneven groups after pruning), a separate LM head.
    @Test func llamaBlockHasItsOptionalParts() throws {
        let m = try Self.proto(.llama)
        let ops = Self.ops(m)
        #expect(!ops.contains("LayerNormalization"))
        #expect(Self.ops(m, prefix: "blocks.0.attention_norm/") == ["Pow", "ReduceMean", "Add", "Sqrt", "Div", "Mul"])
        #expect(Self.ops(m, prefix: "blocks.0.attention.q/").suffix(5) == ["Split", "Concat", "Mul", "Mul", "Add"])
        #expect(Self.ops(m, prefix: "blocks.0.mlp.gate/") == ["MatMul", "Sigmoid", "Mul"])
        #expect(m.graph.node.contains { $0.name == "blocks.0.mlp/Mul_gate" })
        let gather = try #require(m.graph.node.first { $0.name == "blocks.1.attention.value_heads/Gather" })
        let indices = try #require(m.graph.initializer.first { $0.name == gather.input[1] })
        #expect(indices.rawData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) } == [0, 0, 1])
        let cos = try #require(m.graph.initializer.first { $0.name == "rotary.cos" })
        #expect(cos.dims == [16, 4])
        #expect(m.graph.node.contains { $0.input.contains("position_ids") && $0.name == "rotary.cos/Gather" })
        #expect(m.graph.initializer.contains { $0.name == "head.language_model.weight" && $0.dims == [16, 32] })
        #expect(!m.graph.initializer.contains { $0.name.hasSuffix(".bias") })
        #expect(Self.ops(m, prefix: "attention_mask/").filter { $0 == "Greater" }.isEmpty)
    }

    /// GPT-2: LayerNormalization, a position table read at position_ids, no rotary, no head
    /// gather (G = H), biases, the LM head tied to the word table by a Transpose.
    @Test func gpt2BlockHasItsOptionalParts() throws {
        let m = try Self.proto(.gpt2)
        let ops = Self.ops(m)
        #expect(ops.filter { $0 == "LayerNormalization" }.count == 2 * 2 + 1)
        #expect(!ops.contains("Split") && !ops.contains("Pow"))
        #expect(!m.graph.node.contains { $0.name.contains("_heads/Gather") })
        #expect(m.graph.node.contains { $0.name == "embeddings.position/Gather" && $0.input == ["embeddings.position", "position_ids"] })
        let tied = try #require(m.graph.node.first { $0.name == "head.language_model.tied/Transpose" })
        #expect(tied.input == ["embeddings.word"])
        #expect(m.graph.initializer.contains { $0.name == "blocks.1.attention.q.bias" && $0.dims == [8] })
        #expect(m.graph.initializer.contains { $0.name == "blocks.1.mlp.up.weight" && $0.dims == [16, 8] })
    }

    /// A sliding window (Mistral) adds the j > P + i − W condition to the causal mask.
    @Test func slidingWindowJoinsTheMask() throws {
        var model = TinyDecoder.model(.llama)
        model.config.slidingWindow = 5
        let m = try ONNXModel.proto(model, path: "out")
        #expect(Self.ops(m, prefix: "attention_mask/").contains("Greater"))
        let sub = try #require(m.graph.node.first { $0.name == "attention_mask/Sub_window" })
        let w = try #require(m.graph.initializer.first { $0.name == sub.input[1] })
        #expect(w.rawData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) } == [5])
    }

    @Test(arguments: [TinyDecoder.Family.llama, .gpt2])
    func nodesAreInTopologicalOrder(family: TinyDecoder.Family) throws {
        for weights in [TinyDecoder.Weights.dense, .int8(dynamic: true, perGroup: false), .int8(dynamic: false, perGroup: false)] {
            let m = try Self.proto(family, weights)
            var defined = Set(m.graph.input.map(\.name) + m.graph.initializer.map(\.name))
            for node in m.graph.node {
                for input in node.input where !input.isEmpty { #expect(defined.contains(input), "\(node.name) reads undefined \(input)") }
                defined.formUnion(node.output)
            }
            #expect(m.graph.output.allSatisfy { defined.contains($0.name) })
            #expect(Set(m.graph.node.map(\.name)).count == m.graph.node.count)
        }
    }

    /// W8A8 linears quantize per token around MatMulInteger; weight-only ones dequantize per channel.
    @Test func int8FormsAreKept() throws {
        let linears = 2 * 7 + 0   // q, k, v, o, gate, up, down per layer; the LM head stays f32
        let w8a8 = Self.ops(try Self.proto(.llama, .int8(dynamic: true, perGroup: false)))
        #expect(w8a8.filter { $0 == "MatMulInteger" }.count == linears)
        #expect(!w8a8.contains("DequantizeLinear"))
        let weightOnly = try Self.proto(.llama, .int8(dynamic: false, perGroup: false))
        #expect(Self.ops(weightOnly).filter { $0 == "DequantizeLinear" }.count == linears)
        let dq = try #require(weightOnly.graph.node.first { $0.name == "blocks.1.mlp.down/DequantizeLinear" })
        #expect(dq.attribute.first { $0.name == "axis" }?.i == 1)
        let wq = try #require(weightOnly.graph.initializer.first { $0.name == dq.input[0] })
        #expect(wq.dims == [6, 16] && wq.dataType == Int32(Onnx_TensorProto.DataType.int8.rawValue))
    }

    /// Bad input: a form opset 17 cannot express is refused naming the tensor.
    @Test func perGroupScalesAreRefusedNamingTheTensor() throws {
        let error = ONNXExportError.unsupportedForm(path: "out", tensor: "blocks.0.attention.q.scales",
                                                    reason: "int8 scales [16, 2] are per group; only per-channel scales [16] export (opset 17)")
        #expect(throws: error) { try Self.proto(.llama, .int8(dynamic: true, perGroup: true)) }
        #expect(error.description == "out: cannot export blocks.0.attention.q.scales to ONNX: int8 scales [16, 2] are per group; only per-channel scales [16] export (opset 17); recompile without that form for this layer, or file an issue")
    }

    @Test func layerWithoutHeadsIsRefused() throws {
        var model = TinyDecoder.model(.gpt2)
        model.blocks[1].attention.keptHeads = []
        #expect(throws: ONNXExportError.unsupportedModel(path: "out", reason: "layer 1 keeps no attention heads, so its key/value cache has no shape optimum can feed")) {
            try ONNXModel.proto(model, path: "out")
        }
    }

    /// The directory optimum loads: model.onnx, config.json verbatim, generation_config.json with
    /// the config's special token ids, the tokenizer files.
    @Test func exportWritesTheGenerationConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-decoder-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = #"{"model_type": "llama", "bos_token_id": 1, "eos_token_id": [2, 3], "pad_token_id": null, "use_cache": true}"#
        try ONNXExport.write(model: TinyDecoder.model(.llama), sourceConfig: config, tokenizerFiles: ["tokenizer.json": "{}"], to: dir)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["config.json", "generation_config.json", "model.onnx", "tokenizer.json"])
        let generation = try String(contentsOfFile: dir + "/generation_config.json", encoding: .utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(generation.utf8)) as? [String: Any])
        #expect(object["bos_token_id"] as? Int == 1 && object["eos_token_id"] as? [Int] == [2, 3])
        #expect(object["pad_token_id"] == nil && object["_from_model_config"] as? Bool == true)
        #expect(try String(contentsOfFile: dir + "/config.json", encoding: .utf8) == config)
    }
}
