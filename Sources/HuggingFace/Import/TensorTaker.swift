import ModelIR
import SafeTensors
import TensorCore

/// Hands out checkpoint tensors by name, checking shape and dtype, and remembers which were
/// taken so that the importer can refuse a checkpoint with tensors it did not use.
struct TensorTaker<Source: WeightSource> {
    let source: Source
    let directory: String
    private(set) var used: Set<String> = []
    /// Non-parameter tensors accepted on purpose (e.g. `embeddings.position_ids`).
    private(set) var buffers: [String] = []

    init(source: Source, directory: String) {
        self.source = source
        self.directory = directory
    }

    func has(_ name: String) -> Bool { source.checkpoint.entry(name) != nil }

    /// The tensor `name`, which must exist with `shape` (nil entries match any size) and a
    /// floating-point dtype.
    mutating func take(_ name: String, _ shape: [Int?]) throws(ImportError) -> Source.T {
        let expected = Shape(shape.map { $0 ?? -1 })
        guard let entry = source.checkpoint.entry(name) else {
            throw .missingTensor(name: name, expected: Self.describe(shape), directory: directory)
        }
        guard entry.shape.rank == shape.count,
              zip(entry.shape.dims, shape).allSatisfy({ $1 == nil || $0 == $1 }) else {
            throw .wrongShape(name: name, found: entry.shape, expected: expected)
        }
        guard entry.dtype.isFloatingPoint else { throw .notFloatingPoint(name: name, dtype: entry.dtype) }
        used.insert(name)
        return try source.load(name)
    }

    /// LayerNorm `prefix.weight`/`prefix.bias` [d], or the legacy TF names `gamma`/`beta`.
    mutating func takeNorm(_ prefix: String, _ d: Int) throws(ImportError) -> LayerNorm<Source.T> {
        let legacy = !has("\(prefix).weight") && has("\(prefix).gamma")
        return LayerNorm(weight: try take("\(prefix).\(legacy ? "gamma" : "weight")", [d]),
                         bias: try take("\(prefix).\(legacy ? "beta" : "bias")", [d]))
    }

    /// A PyTorch `nn.Linear`: weight [out, in], bias [out]. `bias`: whether the config says it
    /// has one (then it must be there; without one, a stored bias stays unused and the import
    /// refuses it), or nil to take one when present.
    mutating func takeLinear(_ prefix: String, in inFeatures: Int, out outFeatures: Int?, bias: Bool? = nil) throws(ImportError) -> Linear<Source.T> {
        let w = try take("\(prefix).weight", [outFeatures, inFeatures])
        let out = w.shape[0]
        let b = bias ?? has("\(prefix).bias") ? try take("\(prefix).bias", [out]) : nil
        return Linear(inFeatures: inFeatures, outFeatures: out, weight: .dense(w), bias: b)
    }

    /// A GPT-2 `Conv1D`: weight stored [in, out] (transposed here to [out, in]), bias [out].
    mutating func takeConv1D(_ prefix: String, in inFeatures: Int, out outFeatures: Int) throws(ImportError) -> Linear<Source.T> {
        let w = source.transposed(try take("\(prefix).weight", [inFeatures, outFeatures]))
        let b = try take("\(prefix).bias", [outFeatures])
        return Linear(inFeatures: inFeatures, outFeatures: outFeatures, weight: .dense(w), bias: b)
    }

    /// Accepts `name` as a known non-parameter buffer, if present.
    mutating func acceptBuffer(_ name: String) {
        guard has(name) else { return }
        used.insert(name)
        buffers.append(name)
    }

    var unused: [String] { source.checkpoint.names.filter { !used.contains($0) } }

    private static func describe(_ shape: [Int?]) -> String {
        "shape [" + shape.map { $0.map(String.init) ?? "*" }.joined(separator: ", ") + "]"
    }
}
