import Foundation
import ModelIR
import SwiftProtobuf
import TensorCore

/// Builds the `ModelProto` of a model: opset 17 (IR version 8), symbolic `batch_size` and
/// `sequence_length`, weights as raw little-endian initializers. Deterministic: the same model
/// gives the same message and, serialized, the same bytes.
public enum ONNXModel {
    public static let opset: Int64 = 17
    public static let irVersion: Int64 = 8
    public static let producerName = "pare"

    /// The graph of `model`: a BERT-family encoder (`BERTGraph`) or a pre-norm causal LM as a
    /// decoder with past (`DecoderGraph`), W8A8 linears quantizing activations as
    /// `activationScales` says; `elimination` puts an encoder's token elimination in the graph
    /// (drop mode at its λ). `path` is where errors say the export went wrong. An encoder-decoder
    /// has three graphs: see `files`.
    public static func proto(_ model: Model, path: String, activationScales: ActivationScales = .perToken,
                             elimination: EncoderElimination? = nil) throws(ONNXExportError) -> Onnx_ModelProto {
        if EncoderDecoderGraph.covers(model) {
            throw .unsupportedModel(path: path, reason: "an encoder-decoder has three graphs (ONNXModel.files), not one")
        }
        if elimination != nil && DecoderGraph.covers(model) {
            throw .unsupportedModel(path: path, reason: "token elimination in a decoder graph (only encoders take it)")
        }
        let g = GraphBuilder(activationScales: activationScales)
        let signature = DecoderGraph.covers(model)
            ? try DecoderGraph.build(model, into: g, path: path)
            : try BERTGraph.build(model, into: g, path: path, elimination: elimination)
        var m = assemble(g, signature)
        if model.elimination != nil || elimination != nil {
            var note = Onnx_StringStringEntryProto()
            note.key = "pare.elimination"
            note.value = elimination.map { "in this graph: drop mode at λ = \($0.lambda), [CLS] protected, every text taken as unpadded" }
                ?? "not in this graph: it keeps every token, as pare run --lambda with a λ above the profile's identity λ"
            m.metadataProps = [note]
        }
        return m
    }

    /// The files of the export by name: `model.onnx` (`proto`), or for an encoder-decoder
    /// optimum's `encoder_model.onnx`, `decoder_model.onnx` and `decoder_with_past_model.onnx`
    /// (`EncoderDecoderGraph`; no elimination in these graphs).
    public static func files(_ model: Model, path: String, activationScales: ActivationScales = .perToken,
                             elimination: EncoderElimination? = nil) throws(ONNXExportError) -> [(name: String, proto: Onnx_ModelProto)] {
        guard EncoderDecoderGraph.covers(model) else {
            return [(ONNXExport.modelFileName, try proto(model, path: path, activationScales: activationScales, elimination: elimination))]
        }
        if elimination != nil { throw .unsupportedModel(path: path, reason: "token elimination in an encoder-decoder's graphs") }
        var out: [(name: String, proto: Onnx_ModelProto)] = []
        for (name, build) in [(EncoderDecoderGraph.encoderFile, 0), (EncoderDecoderGraph.decoderFile, 1), (EncoderDecoderGraph.decoderWithPastFile, 2)] {
            let g = GraphBuilder(activationScales: activationScales)
            let signature = build == 0 ? try EncoderDecoderGraph.encoder(model, into: g, path: path)
                : try EncoderDecoderGraph.decoder(model, withPast: build == 2, into: g, path: path)
            out.append((name, assemble(g, signature)))
        }
        return out
    }

    /// The model message of a built graph: the producing nodes' outputs renamed to the declared
    /// graph outputs (no Identity needed), opset 17, IR version 8.
    private static func assemble(_ g: GraphBuilder, _ signature: GraphSignature) -> Onnx_ModelProto {
        let renamed = Dictionary(uniqueKeysWithValues: signature.outputs.map { ($0.value, $0.info.name) })
        var nodes = g.nodes
        for i in nodes.indices {
            nodes[i].output = nodes[i].output.map { renamed[$0] ?? $0 }
            nodes[i].input = nodes[i].input.map { renamed[$0] ?? $0 }
        }
        var graph = Onnx_GraphProto()
        graph.name = signature.name
        graph.node = nodes
        graph.initializer = g.initializers
        graph.input = signature.inputs
        graph.output = signature.outputs.map(\.info)

        var m = Onnx_ModelProto()
        m.irVersion = irVersion
        m.producerName = producerName
        m.graph = graph
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Self.opset
        m.opsetImport = [opset]
        return m
    }

    /// One dimension of a declared input or output.
    enum Dimension {
        case symbol(String)
        case value(Int)
    }

    static func valueInfo(_ name: String, _ type: Onnx_TensorProto.DataType, _ dims: [Dimension]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            switch d {
            case let .symbol(s): dim.dimParam = s
            case let .value(v): dim.dimValue = Int64(v)
            }
            return dim
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(type.rawValue)
        tensor.shape = shape
        var t = Onnx_TypeProto()
        t.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = t
        return info
    }
}
