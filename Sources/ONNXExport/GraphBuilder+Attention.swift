import ModelIR
import TensorCore

extension GraphBuilder {
    /// [B, S, n·d_h] → [B, n, S, d_h]: `Reshape` then `Transpose`, nodes named under `path`
    /// (`blocks.3.attention.q`).
    func splitHeads(_ t: String, heads n: Int, headDim dh: Int, path: String) -> String {
        let r = op("Reshape", [t, constant(int64s: [0, 0, Int64(n), Int64(dh)], dims: [4])], name: "\(path)/Reshape")
        return op("Transpose", [r], name: "\(path)/Transpose", attributes: [Attribute.ints("perm", [0, 2, 1, 3])])
    }

    /// softmax(Q·Kᵀ·scale + bias)·V per head → [B, S, h·d_h], for Q [B, h, S, d_h], K and V
    /// [B, h, T, d_h], `bias` broadcastable to [B, h, S, T] (the additive mask, plus T5's relative
    /// position bias). A scale of 1 (T5 folds it into W_q) emits no `Mul`. Nodes are named under
    /// `path` (`blocks.3.attention`).
    func attend(q: String, k: String, v: String, bias: String, scale: Float, heads h: Int, headDim dh: Int, path: String) -> String {
        let kt = op("Transpose", [k], name: "\(path).k/Transpose_scores", attributes: [Attribute.ints("perm", [0, 1, 3, 2])])
        var scores = op("MatMul", [q, kt], name: "\(path)/MatMul_scores")
        if scale != 1 { scores = op("Mul", [scores, constant(float: scale)], name: "\(path)/Mul_scale") }
        let masked = op("Add", [scores, bias], name: "\(path)/Add_mask")
        let probs = op("Softmax", [masked], name: "\(path)/Softmax", attributes: [Attribute.int("axis", -1)])
        let context = op("MatMul", [probs, v], name: "\(path)/MatMul_context")
        let merged = op("Transpose", [context], name: "\(path).context/Transpose", attributes: [Attribute.ints("perm", [0, 2, 1, 3])])
        return op("Reshape", [merged, constant(int64s: [0, 0, Int64(h * dh)], dims: [3])], name: "\(path).context/Reshape")
    }

    /// (1 − mask)·f32.min as f32 [B, 1, 1, T] for a padding mask `mask` (int64 [B, T], an input
    /// name), added to every head's scores; nodes named `<mask>/...`.
    func paddingBias(_ mask: String) -> String {
        let cast = op("Cast", [mask], name: "\(mask)/Cast", attributes: [Attribute.int("to", Int(Onnx_TensorProto.DataType.float.rawValue))])
        let wide = op("Unsqueeze", [cast, constant(int64s: [1, 2], dims: [2])], name: "\(mask)/Unsqueeze")
        let inverted = op("Sub", [constant(float: 1), wide], name: "\(mask)/Sub")
        return op("Mul", [inverted, constant(float: BERTGraph.maskedScore)], name: "\(mask)/Mul")
    }

    /// down(act(up(x))), or down(act(gate(x)) ⊙ up(x)) with a gate (SwiGLU, T5's gated-gelu),
    /// for x [..., d] → [..., d]; nodes named under `path` (`blocks.3.mlp`). The down projection
    /// normalizes its input rows under `ActivationScales.fused`.
    func mlp(_ x: String, _ mlp: MLP<Tensor>, activation: Activation, path: String, exportPath: String) throws(ONNXExportError) -> String {
        let up = try linear(x, mlp.up, path: "\(path).up", exportPath: exportPath)
        let inner: String
        if let gate = mlp.gate {
            let gated = self.activation(try linear(x, gate, path: "\(path).gate", exportPath: exportPath), activation, path: "\(path).gate")
            inner = op("Mul", [gated, up], name: "\(path)/Mul_gate")
        } else {
            inner = self.activation(up, activation, path: path)
        }
        return try linear(inner, mlp.down, path: "\(path).down", exportPath: exportPath, normalizesRows: true)
    }
}
