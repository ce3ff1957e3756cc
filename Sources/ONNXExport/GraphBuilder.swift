import Foundation
import SwiftProtobuf

/// Accumulates an ONNX graph in topological order: nodes as they are emitted, initializers
/// (weights and constants) by name. Names are derived from the caller's scope, so the same model
/// always gives the same names and bytes.
final class GraphBuilder {
    /// How W8A8 linears quantize their inputs.
    let activationScales: ActivationScales
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var names: Set<String> = []
    /// Scalar and small constants, shared by value: one initializer per distinct constant.
    private var constants: [String: String] = [:]

    init(activationScales: ActivationScales = .perToken) {
        self.activationScales = activationScales
    }

    /// Emits `op` with `inputs` ("" for an omitted optional input) and returns its output names,
    /// `<name>/output_<i>` (or `<name>/output` for one output). `name` must be new.
    @discardableResult
    func node(_ op: String, _ inputs: [String], name: String, outputs: Int = 1,
              attributes: [Onnx_AttributeProto] = [], domain: String = "") -> [String] {
        let unique = claim(name)
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = unique
        n.input = inputs
        n.output = outputs == 1 ? ["\(unique)/output"] : (0..<outputs).map { "\(unique)/output_\($0)" }
        n.attribute = attributes
        if !domain.isEmpty { n.domain = domain }
        nodes.append(n)
        return n.output
    }

    /// `node` for a one-output op: its output name.
    func op(_ op: String, _ inputs: [String], name: String, attributes: [Onnx_AttributeProto] = []) -> String {
        node(op, inputs, name: name, attributes: attributes)[0]
    }

    /// Adds a weight; returns its name.
    @discardableResult
    func initializer(_ name: String, _ type: Onnx_TensorProto.DataType, dims: [Int], raw: Data) -> String {
        let unique = claim(name)
        var t = Onnx_TensorProto()
        t.name = unique
        t.dataType = Int32(type.rawValue)
        t.dims = dims.map(Int64.init)
        t.rawData = raw
        initializers.append(t)
        return unique
    }

    func initializer(_ name: String, floats: [Float], dims: [Int]) -> String {
        initializer(name, .float, dims: dims, raw: floats.withUnsafeBytes { Data($0) })
    }

    func initializer(_ name: String, int8s: [Int8], dims: [Int]) -> String {
        initializer(name, .int8, dims: dims, raw: int8s.withUnsafeBytes { Data($0) })
    }

    /// An int64 constant ([] dims for a scalar), shared with any equal constant.
    func constant(int64s values: [Int64], dims: [Int]) -> String {
        let key = "i64\(dims):" + values.map(String.init).joined(separator: ",")
        if let name = constants[key] { return name }
        let label = dims.isEmpty ? "\(values[0])" : values.map(String.init).joined(separator: "_")
        let name = initializer("const_i64_\(label)", .int64, dims: dims, raw: values.withUnsafeBytes { Data($0) })
        constants[key] = name
        return name
    }

    /// An f32 constant ([] dims for a scalar), shared with any equal constant.
    func constant(float value: Float) -> String {
        let key = "f32:\(value.bitPattern)"
        if let name = constants[key] { return name }
        let name = initializer("const_f32_\(value)", .float, dims: [], raw: withUnsafeBytes(of: value) { Data($0) })
        constants[key] = name
        return name
    }

    /// A u8 scalar constant, shared with any equal constant.
    func constant(uint8 value: UInt8) -> String {
        let key = "u8:\(value)"
        if let name = constants[key] { return name }
        let name = initializer("const_u8_\(value)", .uint8, dims: [], raw: Data([value]))
        constants[key] = name
        return name
    }

    /// `name`, or `name_2`, `name_3`, ... when taken.
    private func claim(_ name: String) -> String {
        var candidate = name, k = 2
        while names.contains(candidate) {
            candidate = "\(name)_\(k)"
            k += 1
        }
        names.insert(candidate)
        return candidate
    }
}

/// Attribute constructors, named as the ONNX operator docs name the attributes.
enum Attribute {
    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }
}
