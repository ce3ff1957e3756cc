import ModelIR

extension GraphBuilder {
    /// The MLP nonlinearity: gelu(x) = x·½(1 + erf(x/√2)) in the form ONNX Runtime fuses into
    /// `Gelu`; the tanh form ½x(1 + tanh(√(2/π)(x + 0.044715x³))); relu; silu x·σ(x).
    func activation(_ x: String, _ kind: Activation, path: String) -> String {
        switch kind {
        case .relu:
            return op("Relu", [x], name: "\(path)/Relu")
        case .geluTanh:
            let cube = op("Mul", [op("Mul", [x, x], name: "\(path)/Mul_square"), x], name: "\(path)/Mul_cube")
            let inner = op("Add", [x, op("Mul", [cube, constant(float: 0.044715)], name: "\(path)/Mul_coefficient")], name: "\(path)/Add_inner")
            let t = op("Tanh", [op("Mul", [inner, constant(float: (2 / Float.pi).squareRoot())], name: "\(path)/Mul_sqrt_2_pi")],
                       name: "\(path)/Tanh")
            let half = op("Mul", [x, constant(float: 0.5)], name: "\(path)/Mul_half")
            return op("Mul", [half, op("Add", [t, constant(float: 1)], name: "\(path)/Add_one")], name: "\(path)/Mul_gelu")
        case .silu:
            return op("Mul", [x, op("Sigmoid", [x], name: "\(path)/Sigmoid")], name: "\(path)/Mul_silu")
        case .gelu:
            let e = op("Erf", [op("Div", [x, constant(float: Float(2).squareRoot())], name: "\(path)/Div_sqrt_2")], name: "\(path)/Erf")
            let one = op("Add", [e, constant(float: 1)], name: "\(path)/Add_one")
            let scaled = op("Mul", [x, one], name: "\(path)/Mul_x")
            return op("Mul", [scaled, constant(float: 0.5)], name: "\(path)/Mul_half")
        }
    }
}
