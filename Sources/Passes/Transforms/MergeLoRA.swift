import Calibration
import Kernels
import ModelIR
import TensorCore

/// `merge-lora`: merges the PEFT LoRA adapters of the pass context (`--adapter DIR[:WEIGHT]`)
/// into the base weights, in the order given, as PEFT's `merge_and_unload` does:
///
///     W′ = W + w·s·B·A,  B [out, r], A [r, in], s = α/r (α/√r with rsLoRA), w the adapter weight
///     b′ = b + w·s·b_B   (lora_B's bias, PEFT `lora_bias`)
///     DoRA: W′ = m ⊙ (W + w·s·B·A) / ‖W₀ + w·s·B·A‖, the L2 norm of each output row, W₀ the
///           weight before any adapter of this run (PEFT takes the norm on the unmerged weight)
///
/// Without adapters the pass changes nothing and says so, so that one recipe (`passes/max-compress.yaml`)
/// serves checkpoints with and without an adapter.
///
/// Whole tensors an adapter trained (`modules_to_save`, biases with `bias: all | lora_only`)
/// replace the base tensors first, in the base tensor's dtype. Shapes never change, so `effect`
/// is the identity. All adapters are checked against the model before any weight changes: an
/// update that does not fit leaves the model untouched.
public struct MergeLoRA: Pass {
    public struct Options: PassOptions {
        public init() {}
        public func validate() throws(PassError) {}
    }

    public static let name = "merge-lora"
    public static let mergesAdapters = true
    public static let summary = "Merge PEFT LoRA adapters (--adapter DIR[:WEIGHT]; LoRA, rsLoRA, DoRA, modules_to_save) into the dense weights."
    public let options: Options

    public init(options: Options) { self.options = options }

    /// Adapters target any linear, so every linear must still be dense with the shape of the
    /// checkpoint (no pruned heads): merge-lora belongs before the compressing passes.
    public func check(_ s: Skeleton) -> [Diagnostic] {
        var found: [Diagnostic] = []
        for (i, block) in s.blocks.enumerated() where block.attention.keptHeads.count != s.config.headCount {
            found.append(Diagnostic(.error, at: "blocks.\(i).attention",
                                    "merge-lora needs every head but \(block.attention.keptHeads.count) of \(s.config.headCount) are kept",
                                    hint: "move merge-lora before head-prune"))
        }
        for (path, linear) in s.linears {
            if case .dense = linear.weight { continue }
            found.append(Diagnostic(.error, at: path.description, "merge-lora needs a dense weight but found \(linear.weight.kind)",
                                    hint: "move merge-lora before \(Self.producer(of: linear.weight))"))
        }
        return found
    }

    public func effect(on s: inout Skeleton) {}

    /// The note of a run (and of `pare plan`) without `--adapter`.
    public static let nothingToMerge = Diagnostic(.note, at: name, "no adapter given; nothing to merge",
                                                  hint: "pass --adapter DIR[:WEIGHT] to merge a PEFT LoRA adapter")

    public func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult {
        let adapters = context.adapters
        guard !adapters.isEmpty else {
            return PassResult(changed: false, counters: ["adapters-merged": 0, "linears-changed": 0],
                              diagnostics: [Self.nothingToMerge])
        }
        try validate(adapters, model)

        // Whole tensors first (a trained bias is the base of lora_B's bias update).
        var replaced: [String: Tensor] = [:]
        for r in adapters.flatMap(\.replacements) { replaced[r.tensor] = r.value }
        if !replaced.isEmpty { model = model.mapNamed(Self.replacing(replaced)) }
        var changed = Self.linears(model.linears.map(\.path), touchedBy: replaced)

        for path in Self.merge(adapters, into: { model.linear(at: $0) }, set: { model.setLinear($0, at: $1) }) { changed.insert(path) }
        return PassResult(changed: true, counters: ["adapters-merged": adapters.count, "linears-changed": changed.count],
                          diagnostics: Self.notes(adapters))
    }

    /// A `mapNamed` transform putting each tensor `replaced` names in place (in the model's dtype).
    static func replacing(_ replaced: [String: Tensor]) -> (String, Tensor) -> Tensor {
        { name, t in
            guard let value = replaced[name] else { return t }
            return value.dtype == t.dtype ? value : value.converted(to: t.dtype)
        }
    }

    /// The linears among `paths` one of whose tensors `replaced` names.
    static func linears(_ paths: [LayerPath], touchedBy replaced: [String: Tensor]) -> Set<LayerPath> {
        Set(paths.filter { path in replaced.keys.contains { $0.hasPrefix("\(path).") } })
    }

    /// Every adapter's updates in order, on the linears `linear(path)` gives (those `set` takes
    /// back), DoRA norms from W₀ before any update; returns the paths changed. The whole model
    /// and one block merge through this.
    static func merge(_ adapters: [LoRAAdapter], into linear: (LayerPath) -> Linear<Tensor>?,
                      set: (Linear<Tensor>, LayerPath) -> Void) -> [LayerPath] {
        let normed = Set(adapters.flatMap(\.updates).filter { $0.magnitude != nil }.map(\.path))
        var base: [LayerPath: [Float]] = [:], changed: [LayerPath] = []
        for adapter in adapters {
            for update in adapter.updates {
                guard var linear = linear(update.path) else { continue }
                guard case let .dense(w) = linear.weight else { preconditionFailure("validated dense") }
                var values = w.floats()
                if normed.contains(update.path), base[update.path] == nil { base[update.path] = values }
                let s = adapter.weight * update.scaling
                Self.merge(update, scaled: s, into: &values, out: linear.outFeatures, in: linear.inFeatures, base: base[update.path])
                linear.weight = .dense(Tensor(values, shape: w.shape, dtype: w.dtype))
                if let bB = update.bias, let b = linear.bias {
                    let merged = zip(b.floats(), bB.floats()).map { $0 + s * $1 }
                    linear.bias = Tensor(merged, shape: b.shape, dtype: b.dtype)
                }
                set(linear, update.path)
                changed.append(update.path)
            }
        }
        return changed
    }

    /// The weights and what each adapter did, for the pass log (the recipe text does not carry them).
    static func notes(_ adapters: [LoRAAdapter]) -> [Diagnostic] {
        adapters.map { adapter in
            let ranks = Set(adapter.updates.map(\.rank)).sorted().map(String.init).joined(separator: ", ")
            let kind = adapter.updates.contains { $0.magnitude != nil } ? "DoRA" : "LoRA"
            return Diagnostic(.note, at: "adapter '\(adapter.name)'",
                              "weight \(adapter.weight): \(kind) updates of \(adapter.updates.count) linear(s) (rank \(ranks.isEmpty ? "-" : ranks)), "
                                  + "\(adapter.replacements.count) tensor(s) replaced"
                                  + (adapter.unusedKeys.isEmpty ? "" : ", \(adapter.unusedKeys.count) key(s) of modules_to_save wrappers not read"))
        }
    }

    /// W [out, in] += s·B·A, or DoRA's m ⊙ (W + s·B·A) / ‖W₀ + s·B·A‖ row by row.
    static func merge(_ u: LoRAAdapter.Update, scaled s: Float, into w: inout [Float], out: Int, in inFeatures: Int, base: [Float]?) {
        let a = u.a.floats(), b = u.b.floats(), r = u.rank
        guard let magnitude = u.magnitude?.floats(), let base else {
            b.withUnsafeBufferPointer { pb in a.withUnsafeBufferPointer { pa in w.withUnsafeMutableBufferPointer { pw in
                GEMM.multiply(pb.baseAddress!, pa.baseAddress!, into: pw.baseAddress!, m: out, n: inFeatures, k: r, alpha: s, beta: 1)
            } } }
            return
        }
        let delta = [Float](unsafeUninitializedCapacity: out * inFeatures) { buffer, count in
            b.withUnsafeBufferPointer { pb in a.withUnsafeBufferPointer { pa in
                GEMM.multiply(pb.baseAddress!, pa.baseAddress!, into: buffer.baseAddress!, m: out, n: inFeatures, k: r, alpha: s)
            } }
            count = out * inFeatures
        }
        for o in 0..<out {
            let row = (o * inFeatures)..<((o + 1) * inFeatures)
            var squares: Double = 0
            for i in row {
                let x = base[i] + delta[i]
                squares += Double(x * x)
            }
            let factor = magnitude[o] / Float(squares.squareRoot())
            for i in row { w[i] = factor * (w[i] + delta[i]) }
        }
    }

    /// Every problem of every adapter against `model`, thrown together before anything changes.
    func validate<T>(_ adapters: [LoRAAdapter], _ model: ModelGraph<T>) throws(PassError) {
        var problems: [String] = []
        let tensors = Dictionary(model.namedTensors.map { ($0.name, $0.tensor.shape) }, uniquingKeysWith: { a, _ in a })
        var owner: [String: String] = [:]
        for adapter in adapters {
            let who = "adapter '\(adapter.name)'"
            let (a, m) = (adapter.base, model.config)
            guard a.architecture == m.architecture, a.hiddenSize == m.hiddenSize, a.layerCount == m.layerCount,
                  a.intermediateSize == m.intermediateSize else {
                problems.append("\(who) was mapped onto another base model (\(Self.describe(a))), the model is \(Self.describe(m)); import it for this model")
                continue
            }
            for u in adapter.updates {
                let keys = u.keys.map { "'\($0)'" }.joined(separator: ", ")
                guard let linear = model.linear(at: u.path) else {
                    problems.append("\(u.path): \(who) updates a linear the model does not have (\(keys))")
                    continue
                }
                guard case .dense = linear.weight else {
                    problems.append("\(u.path): \(who) needs a dense weight but found \(linear.weight.kind); move merge-lora before \(Self.producer(of: linear.weight))")
                    continue
                }
                let r = u.a.shape.rank == 2 ? u.a.shape[0] : -1
                var fits = u.a.shape == [r, linear.inFeatures] && u.b.shape == [linear.outFeatures, r]
                fits = fits && [u.bias, u.magnitude].allSatisfy { $0 == nil || $0!.shape == [linear.outFeatures] }
                fits = fits && (u.bias == nil || linear.bias != nil)
                fits = fits && ([u.a, u.b] + [u.bias, u.magnitude].compactMap { $0 }).allSatisfy(\.dtype.isFloatingPoint)
                if !fits {
                    problems.append("\(u.path): \(who) has A \(u.a.shape), B \(u.b.shape) for a linear [\(linear.outFeatures), \(linear.inFeatures)]\(linear.bias == nil ? " without bias" : "") (\(keys))")
                }
            }
            for r in adapter.replacements {
                if let other = owner[r.tensor] {
                    problems.append("\(r.tensor): replaced by both \(other) and \(who)")
                }
                owner[r.tensor] = who
                guard let shape = tensors[r.tensor] else {
                    problems.append("\(r.tensor): \(who) replaces a tensor the model does not have as a dense weight ('\(r.key)')")
                    continue
                }
                if shape != r.value.shape || !r.value.dtype.isFloatingPoint {
                    problems.append("\(r.tensor): \(who) has \(r.value) for a tensor of shape \(shape) ('\(r.key)')")
                }
            }
        }
        guard problems.isEmpty else { throw .failed(pass: Self.name, reason: problems.joined(separator: "; ")) }
    }

    /// `bert, d 32, 2 layers, d_ff 37`
    static func describe(_ c: ModelConfig) -> String {
        "\(c.architecture.rawValue), d \(c.hiddenSize), \(c.layerCount) layers, d_ff \(c.intermediateSize)"
    }

    /// The standard pass that leaves a weight in `form`.
    static func producer(of form: WeightForm<some TensorDescribing>) -> String {
        switch form {
        case .dense: "any compressing pass"
        case .int8: "int8-quantize"
        case .lowRank: "svd-lowrank"
        case .sparse: "magnitude-prune"
        case .lowRankInt8: "svd-lowrank and int8-quantize"
        case .sparseInt8: "magnitude-prune and int8-quantize"
        }
    }
}

/// Block by block when every update and replaced tensor is inside the blocks (the usual LoRA
/// on attention and MLP linears); an adapter that replaces embeddings or the head is merged on
/// the whole model. Each block gets its replacements, then its updates, in adapter order: the
/// arithmetic of the whole-model merge, restricted to the block.
extension MergeLoRA: BlockwisePass {
    public func runsBlockwise(_ s: Skeleton, _ context: PassContext) -> Bool {
        context.adapters.allSatisfy { adapter in
            adapter.updates.allSatisfy { $0.path.blockIndex != nil } && adapter.replacements.allSatisfy { LayerPath($0.tensor).blockIndex != nil }
        }
    }

    public func prepare(_ s: Skeleton, context: PassContext) throws(PassError) {
        if !context.adapters.isEmpty { try validate(context.adapters, s) }
    }

    public func request(block l: Int, _ s: Skeleton) -> CalibrationStream.Request? { nil }

    public func apply(to block: inout Block<Tensor>, index l: Int, statistics: ActivationStatistics?, decision: [Int]?,
                      context: PassContext) throws(PassError) -> BlockOutcome {
        let adapters = context.adapters
        guard !adapters.isEmpty else { return BlockOutcome(changed: false) }
        var replaced: [String: Tensor] = [:]
        for r in adapters.flatMap(\.replacements) where LayerPath(r.tensor).blockIndex == l { replaced[r.tensor] = r.value }
        if !replaced.isEmpty { block = block.mapNamed(index: l, Self.replacing(replaced)) }
        var changed = Self.linears(block.linears(index: l).map(\.path), touchedBy: replaced)
        changed.formUnion(Self.merge(adapters, into: { path in block.linears(index: l).first { $0.path == path }?.linear },
                                     set: { linear, path in block.setLinear(linear, at: path) }))
        return BlockOutcome(changed: !changed.isEmpty, counters: ["linears-changed": changed.count])
    }

    public func finish(_ outcomes: [BlockOutcome], elimination: inout EliminationProfile?, _ s: Skeleton,
                       context: PassContext) throws(PassError) -> PassResult {
        let adapters = context.adapters
        guard !adapters.isEmpty else {
            return PassResult(changed: false, counters: ["adapters-merged": 0, "linears-changed": 0], diagnostics: [Self.nothingToMerge])
        }
        return PassResult(changed: true, counters: ["adapters-merged": adapters.count, "linears-changed": BlockOutcome.summed(outcomes)["linears-changed", default: 0]],
                          diagnostics: Self.notes(adapters))
    }
}
