import Calibration
import ModelIR
import TensorCore

/// `head-prune`: removes attention heads and physically shrinks Q, K, V (rows and biases) and
/// W_O (columns) of their layers, keeping at least one head per layer. Which heads: an explicit
/// `heads` list (`"layer:head"`, original head indices), or the lowest-scoring `fraction` of each
/// layer, or the lowest-scoring `global-fraction` of all heads, scored on the calibration text
/// (`score`: the mean contribution by default, or FLAP's fluctuation; see `Score`). With
/// grouped-query attention (Llama-family `num_key_value_heads`) the fractions count key/value
/// groups and remove whole groups (their query heads and their K/V rows), which keeps every
/// layer's query heads evenly shared; an explicit list may name single query heads, and a
/// key/value head goes once no kept query head reads it.
///
/// W_O then makes up for the removed heads (`reconstruction`, see `Reconstruction.refit`, the
/// same as ffn-prune's for down): by default each removed head's output C_h·W_O,hᵀ is replaced
/// by its calibration mean, folded into b_O (An et al. 2024, FLAP). On all-MiniLM-L6-v2 (`pare
/// eval`, mean embedding cosine on the held-out text) it lifts fraction 0.25 from 0.931 to 0.939
/// and global-fraction 0.25 from 0.971 to 0.978. Explicit `heads` therefore read calibration text
/// too, unless `reconstruction=none` (`bias-compensation=false`), which prunes exactly like
/// transformers' `prune_heads`. `least-squares` refits the kept columns of W_O on the calibration
/// contexts instead (one BLAS thread, so the bytes do not depend on the machine).
///
/// Block by block (`HeadPrune+Blockwise.swift`): `heads` and `fraction` decide each layer from
/// its own block's statistics; `global-fraction` is planned from per-layer head scores that a
/// statistics-only sweep collects before any block changes.
public struct HeadPrune: Pass {
    public static let name = "head-prune"
    public static let summary = "Remove attention heads (explicit, or the lowest-scoring on calibration text), shrink Q, K, V and W_O, and make up for them in W_O (mean output into b_O, or least squares)."
    public let options: Options
    public var needsCalibration: Bool { options.heads == nil || reconstruction != .none }
    /// `options.reconstruction`, or what `bias-compensation` asks for.
    var reconstruction: Reconstruction { options.resolvedReconstruction }

    /// Keeps `options` with `reconstruction` resolved and `bias-compensation` dropped, so the
    /// canonical step spells the reconstruction one way.
    public init(options: Options) {
        var resolved = options
        resolved.reconstruction = options.resolvedReconstruction
        resolved.biasCompensation = nil
        self.options = resolved
    }

    public func check(_ s: Skeleton) -> [Diagnostic] {
        if let invalid = options.validationDiagnostic() { return [invalid] }
        var found: [Diagnostic] = s.decoder == nil ? [] : [
            Diagnostic(.note, at: Self.name, "prunes the encoder's self-attention heads; the decoder's self- and cross-attention stay whole"),
        ]
        for (i, block) in s.blocks.enumerated() {
            let a = block.attention
            for (role, linear) in [("q", a.q), ("k", a.k), ("v", a.v), ("o", a.o)] {
                guard case .dense = linear.weight else {
                    found.append(Diagnostic(.error, at: "blocks.\(i).attention.\(role)", "head-prune needs dense attention weights but found \(linear.weight.kind)",
                                            hint: "move head-prune before the pass that made it \(linear.weight.kind)"))
                    continue
                }
                if role == "o", let unsupported = reconstruction.unsupportedWeight(linear, role: "W_O", at: "blocks.\(i).attention.o", pass: Self.name) {
                    found.append(unsupported)
                }
            }
        }
        if let heads = options.heads {
            let removal = explicitRemoval(heads, s)
            for item in heads {
                guard let (l, h) = Options.parse(item), l < s.blocks.count, s.blocks[l].attention.keptHeads.contains(h) else {
                    found.append(Diagnostic(.error, at: "head-prune", "head \(item) does not exist", hint: "name heads as layer:head with a head the layer still has"))
                    continue
                }
            }
            for (l, removed) in removal where removed.count >= s.blocks[l].attention.keptHeads.count {
                found.append(Diagnostic(.error, at: "blocks.\(l).attention", "removing \(removed.count) heads would leave none",
                                        hint: "keep at least one head per layer"))
            }
            if reconstruction != .none {
                let reads = reconstruction == .bias ? "bias compensation reads calibration text for the means of the removed heads"
                    : "the least-squares refit of W_O reads calibration text for the statistics of its inputs"
                found.append(Diagnostic(.note, at: "head-prune", reads,
                                        hint: "set reconstruction=none to prune exactly like transformers' prune_heads, without calibration"))
            }
        } else {
            found.append(Diagnostic(.note, at: "head-prune", "heads are chosen from calibration scores at compile time: plan shows the attention unchanged, compile reports the heads kept"))
        }
        return found
    }

    /// Known only for an explicit `heads` list; with a fraction the heads depend on the scores.
    /// A reconstructed W_O without a bias gets an f32 [d] one.
    public func effect(on s: inout Skeleton) {
        guard let heads = options.heads else { return }
        for (l, removed) in explicitRemoval(heads, s) {
            if reconstruction != .none && s.blocks[l].attention.o.bias == nil {
                s.blocks[l].attention.o.bias = TensorSpec(dtype: .f32, shape: [s.blocks[l].attention.o.outFeatures])
            }
            s.blocks[l].attention = shrink(s.blocks[l].attention, removing: removed) { t, rows, _ in
                TensorSpec(dtype: t.dtype, shape: Shape([rows.count] + t.shape.dims.dropFirst()))
            } columns: { t, columns in
                TensorSpec(dtype: t.dtype, shape: [t.shape[0], columns.count])
            }
        }
    }

    /// Layer → original head indices to remove, from "layer:head" items.
    func explicitRemoval<T>(_ heads: [String], _ s: ModelGraph<T>) -> [Int: Set<Int>] {
        var removal: [Int: Set<Int>] = [:]
        for (l, block) in s.blocks.enumerated() {
            let removed = explicitRemoval(heads, layer: l, block.attention)
            if !removed.isEmpty { removal[l] = removed }
        }
        return removal
    }

    /// The original indices of layer l's heads that `heads` names and `a` still has.
    func explicitRemoval<T>(_ heads: [String], layer l: Int, _ a: Attention<T>) -> Set<Int> {
        Set(heads.compactMap(Options.parse).filter { $0.layer == l && a.keptHeads.contains($0.head) }.map(\.head))
    }

    /// The lowest scores per layer (`fraction`) or over all layers (`global-fraction`), ties to
    /// the lower (layer, head), never the last head of a layer. With grouped-query attention the
    /// unit is a key/value group (the query heads that read one key/value head, scored by the sum
    /// of their scores), so K and V shrink with Q and every layer keeps whole groups.
    func chooseByScore<T>(_ scores: [[Double]], _ attentions: [Attention<T>]) -> [Int: Set<Int>] {
        var candidates: [(score: Double, layer: Int, position: Int)] = []
        var units: [[[Int]]] = []
        for (l, layer) in scores.enumerated() {
            let groups = Self.groups(attentions[l])
            units.append(groups)
            for (u, members) in groups.enumerated() { candidates.append((members.reduce(0) { $0 + layer[$1] }, l, u)) }
        }
        let order = { (a: (score: Double, layer: Int, position: Int), b: (score: Double, layer: Int, position: Int)) in
            a.score < b.score || (a.score == b.score && (a.layer, a.position) < (b.layer, b.position))
        }
        var removal: [Int: Set<Int>] = [:], removedUnits: [Int: Int] = [:]
        func remove(_ c: (score: Double, layer: Int, position: Int)) {
            let kept = attentions[c.layer].keptHeads
            guard (removedUnits[c.layer] ?? 0) + 1 < units[c.layer].count else { return }
            removedUnits[c.layer, default: 0] += 1
            for p in units[c.layer][c.position] { removal[c.layer, default: []].insert(kept[p]) }
        }
        if let fraction = options.fraction {
            for l in scores.indices {
                let count = Int((fraction * Double(units[l].count)).rounded(.down))
                candidates.filter { $0.layer == l }.sorted(by: order).prefix(count).forEach(remove)
            }
        } else if let global = options.globalFraction {
            let count = Int((global * Double(candidates.count)).rounded(.down))
            candidates.sorted(by: order).prefix(count).forEach(remove)
        }
        return removal
    }

    /// The positions (among `keptHeads`) of the query heads that read each kept key/value head:
    /// one head per unit without grouped-query attention.
    static func groups<T>(_ a: Attention<T>) -> [[Int]] {
        let kv = a.keptKVHeads
        return kv.map { g in a.keptHeads.indices.filter { a.keptHeads[$0] / a.queriesPerKVHead == g } }
    }

    /// The attention without the `removed` original query heads: their rows of Q and columns of
    /// W_O dropped, and the rows of K and V (and biases) of every key/value head no kept query
    /// head reads any more; `rows(t, kept rows, row width)` and `columns(t, kept columns)` do the
    /// tensor work for the payload type.
    func shrink<T>(_ a: Attention<T>, removing removed: Set<Int>, rows: (T, [Int], Int) -> T,
                           columns: (T, [Int]) -> T) -> Attention<T> {
        let keptHeads = a.keptHeads.filter { !removed.contains($0) }
        let queryRows = Self.keptColumns(a, removing: removed)
        let oldKV = a.keptKVHeads, newKV = Set(keptHeads.map { $0 / a.queriesPerKVHead })
        let kvRows = oldKV.indices.filter { newKV.contains(oldKV[$0]) }.flatMap { p in (p * a.headDim)..<((p + 1) * a.headDim) }
        func shrinkRows(_ l: Linear<T>, _ kept: [Int]) -> Linear<T> {
            guard case let .dense(w) = l.weight else { return l }
            return Linear(inFeatures: l.inFeatures, outFeatures: kept.count, weight: .dense(rows(w, kept, l.inFeatures)),
                          bias: l.bias.map { rows($0, kept, 1) })
        }
        var o = a.o
        if case let .dense(w) = o.weight {
            o = Linear(inFeatures: queryRows.count, outFeatures: o.outFeatures, weight: .dense(columns(w, queryRows)), bias: o.bias)
        }
        return Attention(q: shrinkRows(a.q, queryRows), k: shrinkRows(a.k, kvRows), v: shrinkRows(a.v, kvRows), o: o,
                         headDim: a.headDim, keptHeads: keptHeads, queriesPerKVHead: a.queriesPerKVHead)
    }

    /// The context columns cols(h) = [p·d_h, (p + 1)·d_h) of the heads that stay, p their position
    /// among the kept heads, ascending: the kept rows of Q, K, V and the kept columns of W_O.
    static func keptColumns<T>(_ a: Attention<T>, removing removed: Set<Int>) -> [Int] {
        a.keptHeads.indices.filter { !removed.contains(a.keptHeads[$0]) }.flatMap { p in (p * a.headDim)..<((p + 1) * a.headDim) }
    }

    /// Rows `rows` of a matrix [r, width] (or elements of a vector), same dtype.
    static func rows(_ t: Tensor, _ rows: [Int], width: Int) -> Tensor {
        let size = t.dtype.size * width
        return Tensor(dtype: t.dtype, shape: Shape([rows.count] + t.shape.dims.dropFirst()),
                      bytes: gather(t, runs: runs(rows), rowsOf: size, count: rows.count))
    }

    /// Columns `columns` of a matrix [r, c], same dtype.
    static func columns(_ t: Tensor, _ columns: [Int]) -> Tensor {
        let r = t.shape[0], c = t.shape[1], size = t.dtype.size, k = columns.count
        let runs = runs(columns)
        var bytes = [UInt8](repeating: 0, count: r * k * size)
        t.withUnsafeBytes { raw in
            bytes.withUnsafeMutableBytes { out in
                for i in 0..<r {
                    var to = i * k * size
                    for run in runs {
                        (out.baseAddress! + to).copyMemory(from: raw.baseAddress! + (i * c + run.lowerBound) * size, byteCount: run.count * size)
                        to += run.count * size
                    }
                }
            }
        }
        return Tensor(dtype: t.dtype, shape: [r, k], bytes: bytes)
    }

    /// Ascending indices as runs of consecutive ones: [0, 1, 2, 5, 6] → [0..<3, 5..<7].
    static func runs(_ indices: [Int]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        for i in indices {
            if let last = runs.last, last.upperBound == i { runs[runs.count - 1] = last.lowerBound..<(i + 1) } else { runs.append(i..<(i + 1)) }
        }
        return runs
    }

    /// The `runs` of `size`-byte rows of `t`, concatenated (`count` rows in all).
    private static func gather(_ t: Tensor, runs: [Range<Int>], rowsOf size: Int, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count * size)
        t.withUnsafeBytes { raw in
            bytes.withUnsafeMutableBytes { out in
                var to = 0
                for run in runs {
                    (out.baseAddress! + to).copyMemory(from: raw.baseAddress! + run.lowerBound * size, byteCount: run.count * size)
                    to += run.count * size
                }
            }
        }
        return bytes
    }
}
