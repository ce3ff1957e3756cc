/// What a graph builder hands `ONNXModel`: the graph's name, its declared inputs, and its
/// outputs, each the value a node produces (renamed to the declared name when serialized).
struct GraphSignature {
    var name: String
    var inputs: [Onnx_ValueInfoProto]
    var outputs: [(value: String, info: Onnx_ValueInfoProto)]
}
