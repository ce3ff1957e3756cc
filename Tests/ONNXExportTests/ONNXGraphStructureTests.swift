import Foundation
import ModelIR
@testable import ONNXExport
import Testing

/// The exported graph's structure, read back from the message: opset, named inputs and
/// outputs with symbolic dims, op types per weight form, pruned shapes. Oracle: the ONNX operator
/// docs and optimum's input/output names; Python's checker and ONNX Runtime run in
/// scripts/onnx/check_onnx_export.py.
@Suite struct ONNXGraphStructureTests {
    static func proto(_ form: TinyBERT.Form, _ scales: ActivationScales = .perToken) throws -> Onnx_ModelProto {
        try ONNXModel.proto(TinyBERT.model(form), path: "out", activationScales: scales)
    }

    static func ops(_ m: Onnx_ModelProto) -> [String] { m.graph.node.map(\.opType) }

    static func initializer(_ m: Onnx_ModelProto, _ name: String) -> Onnx_TensorProto? { m.graph.initializer.first { $0.name == name } }

    @Test func opsetInputsAndOutputsAreOptimums() throws {
        let m = try Self.proto(.dense)
        #expect(m.opsetImport.map(\.version) == [17] && m.opsetImport[0].domain.isEmpty && m.irVersion == 8)
        #expect(m.graph.input.map(\.name) == ["input_ids", "attention_mask", "token_type_ids"])
        #expect(m.graph.output.map(\.name) == ["last_hidden_state"])
        for input in m.graph.input {
            #expect(input.type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.int64.rawValue))
            #expect(input.type.tensorType.shape.dim.map(\.dimParam) == ["batch_size", "sequence_length"])
        }
        let out = m.graph.output[0].type.tensorType.shape.dim
        #expect(out.map(\.dimParam) == ["batch_size", "sequence_length", ""] && out[2].dimValue == 8)
    }

    /// Every node input is a graph input, an initializer or an earlier node's output, and the
    /// graph output is produced: the node list is a topological order.
    @Test(arguments: [TinyBERT.Form.dense, .int8Dynamic, .int8WeightOnly, .lowRank])
    func nodesAreInTopologicalOrder(form: TinyBERT.Form) throws {
        let m = try Self.proto(form)
        var defined = Set(m.graph.input.map(\.name) + m.graph.initializer.map(\.name))
        for node in m.graph.node {
            for input in node.input where !input.isEmpty { #expect(defined.contains(input), "\(node.name) reads undefined \(input)") }
            defined.formUnion(node.output)
        }
        #expect(defined.contains("last_hidden_state"))
        #expect(Set(m.graph.node.map(\.name)).count == m.graph.node.count)
    }

    @Test func prunedHeadsAndFFNWidthsArePlainSmallerShapes() throws {
        let m = try Self.proto(.dense)
        #expect(Self.initializer(m, "blocks.0.attention.q.weight")?.dims == [8, 8])
        #expect(Self.initializer(m, "blocks.1.attention.q.weight")?.dims == [8, 4])
        #expect(Self.initializer(m, "blocks.1.attention.o.weight")?.dims == [4, 8])
        #expect(Self.initializer(m, "blocks.0.mlp.up.weight")?.dims == [8, 12])
        #expect(Self.initializer(m, "blocks.1.mlp.up.weight")?.dims == [8, 8])
        #expect(Self.initializer(m, "blocks.1.mlp.down.weight")?.dims == [8, 8])
        let reshapes = m.graph.node.filter { $0.name.hasPrefix("blocks.1.attention.q/Reshape") }
        #expect(reshapes.count == 1)
        let split = try #require(Self.initializer(m, reshapes[0].input[1]))
        #expect(split.rawData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) } == [0, 0, 1, 4])
    }

    @Test func denseWeightIsTransposedForMatMul() throws {
        let model = TinyBERT.model(.dense)
        let m = try ONNXModel.proto(model, path: "out")
        guard case let .dense(w) = model.blocks[0].attention.q.weight else { Issue.record("not dense"); return }
        let stored = try #require(Self.initializer(m, "blocks.0.attention.q.weight")).rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let original = w.floats()
        for o in 0..<8 { for i in 0..<8 { #expect(stored[i * 8 + o] == original[o * 8 + i]) } }
    }

    /// W8A8 per tensor: the layout `quantize_dynamic` writes, which ONNX Runtime fuses into DynamicQuantizeMatMul.
    @Test func perTensorInt8LinearsAreDynamicQuantizeLinearAndMatMulInteger() throws {
        let m = try Self.proto(.int8Dynamic, .perTensor)
        let ops = Self.ops(m)
        let linears = 2 * 6
        #expect(ops.filter { $0 == "DynamicQuantizeLinear" }.count == linears)
        #expect(ops.filter { $0 == "MatMulInteger" }.count == linears)
        #expect(!ops.contains("DequantizeLinear"))
        let q = m.graph.node.filter { $0.name.hasPrefix("blocks.1.attention.q/") }.map(\.opType)
        #expect(q == ["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul", "Add", "Reshape", "Transpose"])
        let wq = try #require(Self.initializer(m, "blocks.1.attention.q.weight_quantized"))
        #expect(wq.dims == [8, 4] && wq.dataType == Int32(Onnx_TensorProto.DataType.int8.rawValue))
        #expect(Self.initializer(m, "blocks.1.attention.q.weight_scale")?.dims == [4])
        #expect(Self.initializer(m, "blocks.1.attention.q.weight_zero_point")?.dims == [4])
    }

    /// W8A8 fused: the per-tensor layout everywhere; the FFN down projections first divide each
    /// row by max |x| and multiply their output rows back (oracle: the ONNX operator docs; the
    /// fusion itself is checked with ONNX Runtime by scripts/onnx/compare_quantize_dynamic.py).
    @Test func fusedInt8NormalizesOnlyTheDownProjectionsRows() throws {
        let m = try Self.proto(.int8Dynamic, .fused)
        let ops = Self.ops(m)
        #expect(ops.filter { $0 == "DynamicQuantizeLinear" }.count == 12 && ops.filter { $0 == "MatMulInteger" }.count == 12)
        #expect(!ops.contains("ReduceMin") && ops.filter { $0 == "Abs" }.count == 2)
        let down = m.graph.node.filter { $0.name.hasPrefix("blocks.1.mlp.down/") }
        #expect(down.map(\.opType) == ["Abs", "ReduceMax", "Max", "Div", "DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul", "Mul", "Add"])
        let divide = try #require(down.first { $0.opType == "Div" }), rescale = try #require(down.first { $0.name == "blocks.1.mlp.down/Mul_row_scale" })
        #expect(divide.input[1] == rescale.input[1] && down.first { $0.opType == "Max" }?.output[0] == divide.input[1])
        #expect(down.first { $0.opType == "DynamicQuantizeLinear" }?.input == [divide.output[0]])
        let reduce = try #require(down.first { $0.opType == "ReduceMax" })
        #expect(reduce.attribute.first { $0.name == "keepdims" }?.i == 1)
        let q = m.graph.node.filter { $0.name.hasPrefix("blocks.1.attention.q/") }.map(\.opType)
        #expect(q == ["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul", "Add", "Reshape", "Transpose"])
    }

    /// W8A8 per token: Pare's row quantization, MatMulInteger without zero points, the zero
    /// point removed with the weight's column sums (oracle: Σ_i Wq[o, i] of the IR's values).
    @Test func perTokenInt8LinearsQuantizeRowsAndRemoveTheZeroPointWithColumnSums() throws {
        let model = TinyBERT.model(.int8Dynamic)
        let m = try ONNXModel.proto(model, path: "out", activationScales: .perToken)
        let ops = Self.ops(m)
        #expect(ops.filter { $0 == "MatMulInteger" }.count == 12 && !ops.contains("DynamicQuantizeLinear"))
        #expect(ops.filter { $0 == "ReduceMin" }.count == 12 && ops.filter { $0 == "ReduceMax" }.count == 12)
        let mmi = m.graph.node.filter { $0.opType == "MatMulInteger" }
        #expect(mmi.allSatisfy { $0.input.count == 2 })
        guard case let .int8(values, _) = model.blocks[1].mlp.down.weight else { Issue.record("not int8"); return }
        let q = values.withUnsafeBytes { Array($0.bindMemory(to: Int8.self)) }
        let expected = (0..<8).map { o in (0..<8).reduce(Int32(0)) { $0 + Int32(q[o * 8 + $1]) } }
        let sums = try #require(Self.initializer(m, "blocks.1.mlp.down.weight_column_sums"))
        #expect(sums.dataType == Int32(Onnx_TensorProto.DataType.int32.rawValue) && sums.dims == [8])
        #expect(sums.rawData.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) } == expected)
    }

    @Test func weightOnlyInt8IsDequantizeLinearPerOutputChannel() throws {
        let m = try Self.proto(.int8WeightOnly)
        let dq = m.graph.node.filter { $0.opType == "DequantizeLinear" }
        #expect(dq.count == 12 && !Self.ops(m).contains("MatMulInteger"))
        #expect(dq.allSatisfy { $0.attribute.count == 1 && $0.attribute[0].name == "axis" && $0.attribute[0].i == 1 })
    }

    @Test func lowRankIsTwoMatMuls() throws {
        let m = try Self.proto(.lowRank)
        #expect(Self.initializer(m, "blocks.0.mlp.up.v.weight")?.dims == [8, 2])
        #expect(Self.initializer(m, "blocks.0.mlp.up.u.weight")?.dims == [2, 12])
    }

    @Test func perGroupScalesAreRefusedNamingTheTensor() throws {
        #expect(throws: ONNXExportError.unsupportedForm(path: "out", tensor: "blocks.0.attention.q.scales",
                                                      reason: "int8 scales [8, 2] are per group; only per-channel scales [8] export (opset 17)")) {
            try ONNXModel.proto(TinyBERT.model(.int8PerGroup), path: "out")
        }
    }

    @Test func otherFamiliesAreRefused() throws {
        var model = TinyBERT.model(.dense)
        model.config.architecture = .t5
        let error = ONNXExportError.unsupportedModel(path: "out", reason: "architecture t5 (encoders export for bert; causal LMs for gpt2, llama, mistral and qwen2; encoder-decoders for t5 with both stacks)")
        #expect(throws: error) { try ONNXModel.proto(model, path: "out") }
        #expect(error.description == "out: cannot export to ONNX: architecture t5 (encoders export for bert; causal LMs for gpt2, llama, mistral and qwen2; encoder-decoders for t5 with both stacks); export a BERT-family encoder, a GPT-2/Llama-family decoder or a T5 encoder-decoder, or use `pare export` without --format onnx")
    }

    /// A causal model is a decoder with past, which is pre-norm.
    @Test func postNormCausalModelsAreRefused() throws {
        var model = TinyBERT.model(.dense)
        model.config.architecture = .gpt2
        model.config.causal = true
        #expect(throws: ONNXExportError.unsupportedModel(path: "out", reason: "a causal model with post-norm layers (the decoder graph is pre-norm, as GPT-2 and the Llama family)")) {
            try ONNXModel.proto(model, path: "out")
        }
    }
}
