import Foundation
import ModelIR
import TensorCore

extension GraphBuilder {
    /// y = x·Wᵀ + b for x [..., in] named `input`, as ONNX Runtime runs each weight form:
    ///
    /// - dense W, sparse values: `MatMul(x, Wᵀ [in, out])`;
    /// - low-rank u·v: `MatMul(MatMul(x, vᵀ [in, r]), uᵀ [r, out])`;
    /// - int8 with f32 activations (weight-only): `MatMul(x, DequantizeLinear(Wqᵀ [in, out], s [out], axis 1))`;
    /// - int8 with dynamic activations (W8A8), `activationScales` `.perTensor`:
    ///   `DynamicQuantizeLinear(x) → (xq u8, sx, zx)`, `MatMulInteger(xq, Wqᵀ i8 [in, out], zx, 0 [out])`
    ///   (exact int32: Σ (xq − zx)·Wq), `Cast` to f32, `Mul` by `Mul(sx, s [out])`: the layout
    ///   `quantize_dynamic` writes and ONNX Runtime fuses into `DynamicQuantizeMatMul`;
    ///   `.perToken`: Pare's own per-row quantization around `MatMulInteger` (`tokenQuantizedMatMul`);
    ///   `.fused`: the per-tensor layout, on x / m with m = max |x| per row and the output times
    ///   m when `normalizesRows` (the FFN down projection, `mlp`);
    /// - low-rank int8: the two factors as two int8 linears through [..., r];
    ///
    /// then `Add(b)` when there is a bias. `path` (`blocks.3.mlp.up`) names the initializers and
    /// nodes. Per-group int8 scales are refused (they need opset 21's blocked DequantizeLinear).
    func linear(_ input: String, _ linear: Linear<Tensor>, path: String, exportPath: String,
                normalizesRows: Bool = false) throws(ONNXExportError) -> String {
        let dynamic = linear.activations == .dynamic
        var y: String
        switch linear.weight {
        case let .dense(w), let .sparse(values: w, _, _, _):
            y = denseMatMul(input, w, rows: linear.outFeatures, cols: linear.inFeatures, path: path)
        case let .lowRank(u, v):
            let r = v.shape[0]
            let h = denseMatMul(input, v, rows: r, cols: linear.inFeatures, path: "\(path).v")
            y = denseMatMul(h, u, rows: linear.outFeatures, cols: r, path: "\(path).u")
        case let .int8(values, scales), let .sparseInt8(values, scales, _, _, _):
            try requirePerChannel(scales, rows: linear.outFeatures, tensor: "\(path).scales", exportPath: exportPath)
            y = int8MatMul(input, values, scales, rows: linear.outFeatures, cols: linear.inFeatures, dynamic: dynamic,
                           normalizesRows: normalizesRows, path: path)
        case let .lowRankInt8(u, uScales, v, vScales):
            let r = v.shape[0]
            try requirePerChannel(vScales, rows: r, tensor: "\(path).v-scales", exportPath: exportPath)
            try requirePerChannel(uScales, rows: linear.outFeatures, tensor: "\(path).u-scales", exportPath: exportPath)
            let h = int8MatMul(input, v, vScales, rows: r, cols: linear.inFeatures, dynamic: dynamic, normalizesRows: normalizesRows,
                               path: "\(path).v")
            y = int8MatMul(h, u, uScales, rows: linear.outFeatures, cols: r, dynamic: dynamic, normalizesRows: normalizesRows, path: "\(path).u")
        }
        if let bias = linear.bias {
            let b = initializer("\(path).bias", floats: WeightLayout.floats(bias), dims: [linear.outFeatures])
            y = op("Add", [y, b], name: "\(path)/Add")
        }
        return y
    }

    /// `MatMul(x, Wᵀ)` for W [rows, cols] in any float dtype.
    private func denseMatMul(_ x: String, _ w: Tensor, rows: Int, cols: Int, path: String) -> String {
        let wt = WeightLayout.transposed(WeightLayout.floats(w), rows: rows, cols: cols)
        let b = initializer("\(path).weight", floats: wt, dims: [cols, rows])
        return op("MatMul", [x, b], name: "\(path)/MatMul")
    }

    /// x·(diag(s)·Wq)ᵀ for Wq i8 [rows, cols], s [rows]: weight-only or W8A8 (see `linear`).
    private func int8MatMul(_ x: String, _ values: Tensor, _ scales: Tensor, rows: Int, cols: Int, dynamic: Bool,
                            normalizesRows: Bool, path: String) -> String {
        let wq = initializer("\(path).weight_quantized", int8s: WeightLayout.transposed(WeightLayout.int8s(values), rows: rows, cols: cols),
                             dims: [cols, rows])
        let s = initializer("\(path).weight_scale", floats: WeightLayout.floats(scales), dims: [rows])
        guard dynamic else {
            let w = op("DequantizeLinear", [wq, s], name: "\(path)/DequantizeLinear", attributes: [Attribute.int("axis", 1)])
            return op("MatMul", [x, w], name: "\(path)/MatMul")
        }
        if activationScales == .perToken {
            let q = WeightLayout.int8s(values)
            let sums = (0..<rows).map { o in q[(o * cols)..<(o * cols + cols)].reduce(Int32(0)) { $0 + Int32($1) } }
            return tokenQuantizedMatMul(x, weight: wq, scales: s, columnSums: sums, path: path)
        }
        var x = x, rowScale: String?
        if activationScales == .fused && normalizesRows {
            let axes = [Attribute.ints("axes", [-1]), Attribute.int("keepdims", 1)]
            let largest = op("ReduceMax", [op("Abs", [x], name: "\(path)/Abs")], name: "\(path)/ReduceMax_abs", attributes: axes)
            let m = op("Max", [largest, constant(float: Float.leastNormalMagnitude)], name: "\(path)/Max_row_scale")   // [..., 1]
            rowScale = m
            x = op("Div", [x, m], name: "\(path)/Div_row_scale")
        }
        let zero = initializer("\(path).weight_zero_point", int8s: [Int8](repeating: 0, count: rows), dims: [rows])
        let q = node("DynamicQuantizeLinear", [x], name: "\(path)/DynamicQuantizeLinear", outputs: 3)
        let product = op("MatMulInteger", [q[0], wq, q[2], zero], name: "\(path)/MatMulInteger")
        let widened = op("Cast", [product], name: "\(path)/Cast", attributes: [Attribute.int("to", Int(Onnx_TensorProto.DataType.float.rawValue))])
        let scale = op("Mul", [q[1], s], name: "\(path)/scales_mul")
        let y = op("Mul", [widened, scale], name: "\(path)/output_scale_mul")
        return rowScale.map { op("Mul", [y, $0], name: "\(path)/Mul_row_scale") } ?? y
    }

    /// Per-channel scales only: f32 [rows], or [rows, 1].
    private func requirePerChannel(_ scales: Tensor, rows: Int, tensor: String, exportPath: String) throws(ONNXExportError) {
        let perChannel = scales.shape.dims == [rows] || scales.shape.dims == [rows, 1]
        guard perChannel else {
            throw .unsupportedForm(path: exportPath, tensor: tensor,
                                   reason: "int8 scales \(scales.shape) are per group; only per-channel scales [\(rows)] export (opset 17)")
        }
    }
}
