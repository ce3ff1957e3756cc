import Calibration
import JSON
import ModelIR
import TensorCore

/// What rank 0 sends the other ranks before the sweeps when they cannot read the input
/// (`WeightBroadcast.share`): the model's skeleton as JSON (config, dtypes, shapes, forms), the
/// embeddings' tensors by name (block 0's input), the recipe's canonical text, the tokenized
/// calibration samples and the adapters. Never a block's weights: those follow one block at a
/// time (`WeightBroadcast.block`).
extension CompileInputs {
    /// The IR names of the tensors sent up front: the embeddings, which every rank runs.
    static func sentUpFront(_ name: String) -> Bool { name.hasPrefix("embeddings.") }

    func encode(into w: inout ByteWriter) throws(JSONError) {
        w.append(try Self.json(model.skeleton))
        let embeddings = model.namedTensorsOutsideBlocks.filter { Self.sentUpFront($0.name) }
        w.append(embeddings.count)
        for (name, tensor) in embeddings {
            w.append(name)
            w.append(tensor)
        }
        w.append(recipe)
        w.append(calibration == nil ? 0 : 1)
        if let calibration {
            w.append(calibration.samples.count)
            for sample in calibration.samples { w.append(sample) }
            w.append(calibration.source)
            w.append(calibration.sha256)
            w.append(calibration.truncated)
            w.append(calibration.available)
        }
        w.append(adapters.count)
        for adapter in adapters { try adapter.encode(into: &w) }
    }

    /// Decodes what `encode` wrote; the tensors not sent (every block's, the head's) are
    /// `Tensor.absent` stand-ins with their specs. Throws `Truncated` on bytes that end early or
    /// disagree with the skeleton, `JSONError` on JSON that does not decode.
    init(decoding r: inout ByteReader) throws {
        let skeleton = try Self.decodeJSON(Skeleton.self, Array(try r.string().utf8))
        var sent: [String: Tensor] = [:]
        for _ in 0..<(try r.count(8)) { sent[try r.string()] = try r.tensor() }
        var mismatch = false
        model = skeleton.mapNamed { name, spec in
            guard let tensor = sent.removeValue(forKey: name) else { return Tensor.absent(spec, name: name) }
            if tensor.spec != spec { mismatch = true }
            return tensor
        }
        guard !mismatch, sent.isEmpty else { throw ByteReader.Truncated() }
        recipe = try r.string()
        if try r.int() == 1 {
            let samples = try (0..<(try r.count(8))).map { _ throws(ByteReader.Truncated) in try r.ints() }
            calibration = CalibrationSet(samples: samples, source: try r.string(), sha256: try r.string(),
                                         truncated: try r.int(), available: try r.int())
        }
        adapters = try (0..<(try r.count(8))).map { _ in try LoRAAdapter(decoding: &r) }
        guard r.isAtEnd else { throw ByteReader.Truncated() }
    }

    static func json(_ value: some Encodable) throws(JSONError) -> String {
        String(decoding: try JSONWriter.bytes(try JSONValueEncoder().encode(value), style: .compactSorted), as: UTF8.self)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws(JSONError) -> T {
        try JSONValueDecoder().decode(type, from: try JSONParser.parse(bytes))
    }
}

extension Tensor {
    /// A tensor of `spec` whose bytes this rank was not sent (`MappedFile(absent:reason:)`).
    static func absent(_ spec: TensorSpec, name: String) -> Tensor {
        let count = spec.byteCount
        return Tensor(dtype: spec.dtype, shape: spec.shape, storage: .mapped(
            MappedFile(absent: count, reason: "\(name): this rank was not sent these weights (--broadcast-weights); this is a bug, please report it"),
            0..<count))
    }
}

/// A LoRA adapter as bytes, every field as `PEFTAdapterImporter` made it.
extension LoRAAdapter {
    func encode(into w: inout ByteWriter) throws(JSONError) {
        w.append(name)
        w.append(try CompileInputs.json(base))
        w.append(Double(weight))
        w.append(updates.count)
        for u in updates {
            w.append(u.path.description)
            w.append(u.a)
            w.append(u.b)
            w.append(Double(u.scaling))
            for optional in [u.bias, u.magnitude] {
                w.append(optional == nil ? 0 : 1)
                if let optional { w.append(optional) }
            }
            w.append(u.keys.count)
            for key in u.keys { w.append(key) }
        }
        w.append(replacements.count)
        for r in replacements {
            w.append(r.tensor)
            w.append(r.value)
            w.append(r.key)
        }
        w.append(unusedKeys.count)
        for key in unusedKeys { w.append(key) }
    }

    init(decoding r: inout ByteReader) throws {
        let name = try r.string()
        let base = try CompileInputs.decodeJSON(ModelConfig.self, Array(try r.string().utf8))
        let weight = Float(try r.double())
        let updates = try (0..<(try r.count(8))).map { _ in
            let path = LayerPath(try r.string()), a = try r.tensor(), b = try r.tensor(), scaling = Float(try r.double())
            let bias = try r.int() == 1 ? try r.tensor() : nil
            let magnitude = try r.int() == 1 ? try r.tensor() : nil
            let keys = try (0..<(try r.count(8))).map { _ in try r.string() }
            return Update(path: path, a: a, b: b, scaling: scaling, bias: bias, magnitude: magnitude, keys: keys)
        }
        let replacements = try (0..<(try r.count(8))).map { _ in
            Replacement(tensor: try r.string(), value: try r.tensor(), key: try r.string())
        }
        let unusedKeys = try (0..<(try r.count(8))).map { _ in try r.string() }
        self.init(name: name, base: base, weight: weight, updates: updates, replacements: replacements, unusedKeys: unusedKeys)
    }
}
