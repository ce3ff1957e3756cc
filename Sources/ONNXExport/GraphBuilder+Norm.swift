import ModelIR
import TensorCore

extension GraphBuilder {
    /// N(x) over the last axis of x [..., d], as Pare's runtime picks it from the norm itself:
    ///
    /// - with a bias (LayerNorm): (x − mean(x)) / √(var(x) + ε) · w + b, one `LayerNormalization` (opset 17);
    /// - without (RMSNorm): x / √(mean(x²) + ε) · w as `Pow`, `ReduceMean`, `Add`, `Sqrt`, `Div`,
    ///   `Mul`, the pattern ONNX Runtime fuses into `SimplifiedLayerNormalization`.
    func norm(_ x: String, _ norm: LayerNorm<Tensor>, d: Int, epsilon: Float, path: String) -> String {
        let w = initializer("\(path).weight", floats: WeightLayout.floats(norm.weight), dims: [d])
        guard let bias = norm.bias else {
            let square = op("Pow", [x, constant(float: 2)], name: "\(path)/Pow")
            let mean = op("ReduceMean", [square], name: "\(path)/ReduceMean",
                          attributes: [Attribute.ints("axes", [-1]), Attribute.int("keepdims", 1)])
            let root = op("Sqrt", [op("Add", [mean, constant(float: epsilon)], name: "\(path)/Add_epsilon")], name: "\(path)/Sqrt")
            return op("Mul", [op("Div", [x, root], name: "\(path)/Div"), w], name: "\(path)/Mul_weight")
        }
        let b = initializer("\(path).bias", floats: WeightLayout.floats(bias), dims: [d])
        return op("LayerNormalization", [x, w, b], name: "\(path)/LayerNormalization",
                  attributes: [Attribute.int("axis", -1), Attribute.float("epsilon", epsilon)])
    }
}
