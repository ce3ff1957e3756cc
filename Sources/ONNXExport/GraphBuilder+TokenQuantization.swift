import Foundation

extension GraphBuilder {
    /// x·(diag(s)·Wq)ᵀ with x quantized per token row as Pare's runtime does it, for x [..., K],
    /// Wqᵀ i8 [K, N] named `weight`, s f32 [N] named `scales`, column sums c_o = Σ_i Wq[o, i]:
    ///
    ///     lo = min(0, min_i x), hi = max(0, max_i x), s_a = max((hi − lo)/255, f32.min_normal)
    ///     z = clip(round(−lo / s_a), 0, 255), q = clip(round(x·(1/s_a) + z), 0, 255) as u8
    ///       (the last step as QuantizeLinear(·, 1, 0))
    ///     y = f32(MatMulInteger(q, Wqᵀ) − z·c) · (s · s_a)
    ///
    /// `round` is ONNX's (ties to even, as Pare's kernel), the int32 part is exact, so the result
    /// differs from Pare's only in f32 rounding of the scale products.
    func tokenQuantizedMatMul(_ x: String, weight: String, scales: String, columnSums: [Int32], path: String) -> String {
        let axes = [Attribute.ints("axes", [-1]), Attribute.int("keepdims", 1)]
        let zero = constant(float: 0)
        let lo = op("Min", [op("ReduceMin", [x], name: "\(path)/ReduceMin", attributes: axes), zero], name: "\(path)/Min_zero")
        let hi = op("Max", [op("ReduceMax", [x], name: "\(path)/ReduceMax", attributes: axes), zero], name: "\(path)/Max_zero")
        let step = op("Div", [op("Sub", [hi, lo], name: "\(path)/Sub_range"), constant(float: 255)], name: "\(path)/Div_levels")
        let scale = op("Max", [step, constant(float: Float.leastNormalMagnitude)], name: "\(path)/Max_scale")
        let clipBounds = [constant(float: 0), constant(float: 255)]
        let offset = op("Round", [op("Div", [op("Neg", [lo], name: "\(path)/Neg_lo"), scale], name: "\(path)/Div_zero_point")],
                        name: "\(path)/Round_zero_point")
        let z = op("Clip", [offset] + clipBounds, name: "\(path)/Clip_zero_point")
        let inverse = op("Reciprocal", [scale], name: "\(path)/Reciprocal_scale")
        let shifted = op("Add", [op("Mul", [x, inverse], name: "\(path)/Mul_inverse"), z], name: "\(path)/Add_zero_point")
        // QuantizeLinear with scale 1 and zero point 0 is round-half-even, saturate to 0...255 and
        // narrow to u8 in one vectorised pass: exactly Round, Clip and Cast of the sum.
        let q = op("QuantizeLinear", [shifted, constant(float: 1), constant(uint8: 0)], name: "\(path)/QuantizeLinear_codes")

        let product = op("MatMulInteger", [q, weight], name: "\(path)/MatMulInteger")
        let sums = initializer("\(path).weight_column_sums", .int32, dims: [columnSums.count], raw: columnSums.withUnsafeBytes { Data($0) })
        let zInt = op("Cast", [z], name: "\(path)/Cast_zero_point", attributes: [Attribute.int("to", Int(Onnx_TensorProto.DataType.int32.rawValue))])
        let centered = op("Sub", [product, op("Mul", [zInt, sums], name: "\(path)/Mul_column_sums")], name: "\(path)/Sub_zero_point")
        let widened = op("Cast", [centered], name: "\(path)/Cast", attributes: [Attribute.int("to", Int(Onnx_TensorProto.DataType.float.rawValue))])
        let combined = op("Mul", [scales, scale], name: "\(path)/scales_mul")
        return op("Mul", [widened, combined], name: "\(path)/output_scale_mul")
    }
}
