import Foundation
import ModelIR
@testable import ONNXExport
import Testing

/// Token elimination in the encoder graph (drop mode at one λ), read back from the message: the
/// count table against `EliminationProfile.keptCounts` (the runtime's N_l), the TopK / GatherND
/// survivors per eliminating layer, the outputs. ONNX Runtime's rows and embeddings against
/// `pare run --lambda λ --elimination-mode drop` are checked by scripts/onnx/check_onnx_export.py.
@Suite struct ONNXEliminationGraphTests {
    static let profile = EliminationProfile(acc: [1.0, 0.6], protection: .first)

    static func proto(lambda: Double) throws -> Onnx_ModelProto {
        try ONNXModel.proto(TinyBERT.model(.dense), path: "out", elimination: EncoderElimination(profile: profile, lambda: lambda))
    }

    static func int64s(_ t: Onnx_TensorProto) -> [Int64] { t.rawData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) } }

    @Test func countTableIsTheRuntimesKeptCounts() throws {
        let m = try Self.proto(lambda: 0.8)
        let table = try #require(m.graph.initializer.first { $0.name == "elimination.kept_counts" })
        #expect(table.dims == [Int64(TinyBERT.positions + 1), 3])
        let values = Self.int64s(table)
        for n in 0...TinyBERT.positions {
            #expect(Array(values[(n * 3)..<(n * 3 + 3)]) == Self.profile.keptCounts(tokens: n, lambda: 0.8).map(Int64.init))
        }
        #expect(Self.profile.keptCounts(tokens: 20, lambda: 0.8).last! < 20)
    }

    @Test func eliminatingLayersKeepTopKRowsInOrder() throws {
        let m = try Self.proto(lambda: 0.8)
        let ops = m.graph.node.filter { $0.name.hasPrefix("elimination.0/") }.map(\.opType)
        #expect(ops.filter { $0 == "TopK" }.count == 2)
        let top = try #require(m.graph.node.first { $0.name == "elimination.0/TopK_scores" })
        #expect(top.attribute.first { $0.name == "largest" }?.i == 1)
        let order = try #require(m.graph.node.first { $0.name == "elimination.0/TopK_order" })
        #expect(order.input[0] == top.output[1] && order.attribute.first { $0.name == "largest" }?.i == 0)
        // The context (before W_O) and the residual stream are both gathered.
        let gathered = m.graph.node.filter { $0.opType == "GatherND" }.map(\.name)
        #expect(gathered == ["elimination.0.context/GatherND_kept", "elimination.0.hidden/GatherND_kept",
                             "elimination.1.context/GatherND_kept", "elimination.1.hidden/GatherND_kept"])
        let wo = try #require(m.graph.node.first { $0.name == "blocks.0.attention.o/MatMul" })
        #expect(wo.input[0] == "elimination.0.context/GatherND_kept/output")
        #expect(m.graph.output.map(\.name) == ["last_hidden_state", "kept_positions"])
        #expect(ONNXDecoderGraphTests.dims(m.graph.output[0]) == ["batch_size", "kept_sequence_length", "8"])
        #expect(m.graph.output[1].type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.int64.rawValue))
        #expect(m.metadataProps.first { $0.key == "pare.elimination" }?.value.hasPrefix("in this graph: drop mode at λ = 0.8") == true)
        var defined = Set(m.graph.input.map(\.name) + m.graph.initializer.map(\.name))
        for node in m.graph.node {
            for input in node.input where !input.isEmpty { #expect(defined.contains(input), "\(node.name) reads undefined \(input)") }
            defined.formUnion(node.output)
        }
    }

    /// α_l = min(1, λ·EP_l) = 1 keeps every row: no nodes for that layer.
    @Test func layersThatKeepEveryRowHaveNoSelection() throws {
        let m = try Self.proto(lambda: Self.profile.identityLambda)
        #expect(!m.graph.node.contains { $0.opType == "TopK" })
        #expect(m.graph.output.map(\.name) == ["last_hidden_state", "kept_positions"])
    }

    @Test func decodersTakeNoElimination() throws {
        #expect(throws: ONNXExportError.unsupportedModel(path: "out", reason: "token elimination in a decoder graph (only encoders take it)")) {
            try ONNXModel.proto(TinyDecoder.model(.gpt2), path: "out", elimination: EncoderElimination(profile: Self.profile, lambda: 0.8))
        }
    }
}
