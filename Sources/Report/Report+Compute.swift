import ModelIR

extension Report {
    /// Computes every figure of the report from the skeletons and the cost model.
    public init(_ input: ReportInput) {
        let first = input.before, last = input.after
        // An encoder-decoder's figures hold for a number of generated tokens, which the report states.
        var workload = input.workload
        if first.decoder != nil, workload.generatedTokens == nil { workload.generatedTokens = Workload.defaultGeneratedTokens }
        let skeletons = [first] + input.stages.map(\.skeleton)
        let names = LayerBreakdown.names(skeletons.map { $0.blocks.count }.max() ?? 0,
                                         decoder: skeletons.map { $0.decoder?.blocks.count ?? 0 }.max() ?? 0)
        let breakdowns = skeletons.map { LayerBreakdown($0, workload: workload, rates: input.rates) }
        let start = breakdowns[0], end = breakdowns[breakdowns.count - 1]

        let c = first.config
        self.init(
            version: 2, rates: input.rates, machine: input.machine, model: input.model,
            architecture: ArchitectureSummary(
                type: c.architecture.rawValue, layers: c.layerCount, hiddenSize: c.hiddenSize, heads: c.headCount,
                intermediateSize: c.intermediateSize, vocabSize: c.vocabSize,
                kvHeads: c.kvHeadCount == c.headCount ? nil : c.kvHeadCount, features: Self.features(c)),
            workload: workload,
            totals: Totals(before: start.total, after: end.total, delta: end.total - start.total,
                           speedup: Self.ratio(start.total.runtime, end.total.runtime),
                           flopsSpeedup: Self.ratio(start.total.flops, end.total.flops)),
            layers: names.map { name in
                let b = start.cost(name), a = end.cost(name)
                return LayerRow(layer: name, before: b, after: a, speedup: Self.ratio(b.runtime, a.runtime),
                                flopsSpeedup: Self.ratio(b.flops, a.flops))
            },
            subLayers: SubLayer.allCases.map { s in
                SubLayerRow(subLayer: s, before: start.subLayerTotal(s), after: end.subLayerTotal(s))
            },
            passes: input.stages.indices.map { i in
                let previous = breakdowns[i], current = breakdowns[i + 1]
                return PassContribution(
                    step: i + 1, pass: input.stages[i].pass, delta: current.total - previous.total,
                    after: current.total, speedup: Self.ratio(start.total.runtime, current.total.runtime),
                    flopsSpeedup: Self.ratio(start.total.flops, current.total.flops),
                    layers: names.map { LayerDelta(layer: $0, delta: current.cost($0).measure - previous.cost($0).measure) })
            },
            files: input.files.map { f in
                FileSizes(inputBytes: f.inputBytes, artifactBytes: f.artifactBytes,
                          compressionRatio: f.artifactBytes.flatMap { $0 > 0 ? Self.ratio(f.inputBytes, $0) : nil })
            },
            warnings: Self.warnings(on: last, workload: workload, rates: input.rates) + input.diagnostics.map(Warning.init),
            elimination: last.elimination.map { EliminationSection($0, skeleton: last, workload: workload, lambda: input.lambda, rates: input.rates) },
            int8: Int8Linears(last))
        totals.deployedSpeedup = elimination.map { Self.deployedSpeedup(input, $0) }
    }

    /// Runtime cost of `before` in full / of `after` eliminating at the section's λ, whole model;
    /// an encoder-decoder's both with its decoder generating the workload's tokens over the
    /// encoder rows each leaves (like with like: 1.00× when nothing changes).
    static func deployedSpeedup(_ input: ReportInput, _ section: EliminationSection) -> Double {
        let w = input.workload, pricing = CostModel.Pricing.runtime(input.rates)
        let g = input.before.decoder == nil ? nil : w.generatedTokens ?? Workload.defaultGeneratedTokens
        let full = CostModel.keptCounts(input.before, lengths: [Int](repeating: w.sequenceLength, count: w.batch), profile: nil, lambda: nil)
        let counts = [[Int]](repeating: [w.sequenceLength] + section.chosen.tokensKept, count: w.batch)
        return ratio(CostModel.cost(input.before, counts: full, pricing: pricing, generatedTokens: g),
                     CostModel.cost(input.after, counts: counts, pricing: pricing, generatedTokens: g))
    }

    /// a / b to 4 decimals; 0 when b is 0.
    static func ratio(_ a: Int, _ b: Int) -> Double {
        b == 0 ? 0 : NumberFormat.rounded(Double(a) / Double(b), 4)
    }
}

/// One skeleton's FLOPs, runtime cost, parameters and bytes split into embeddings, blocks and head.
struct LayerBreakdown {
    var costs: [String: Report.LayerCost] = [:]
    var total: Report.Measure

    /// `embeddings`, `blocks.0` … `blocks.<count−1>`, an encoder-decoder's `decoder.blocks.0` …, `head`.
    static func names(_ blockCount: Int, decoder: Int = 0) -> [String] {
        ["embeddings"] + (0..<blockCount).map { "blocks.\($0)" } + (0..<decoder).map { "decoder.blocks.\($0)" } + ["head"]
    }

    /// The group a tensor or linear belongs to: `embeddings.word` → `embeddings`,
    /// `blocks.3.mlp.up.u` → `blocks.3`, `head.pooler.weight` → `head`.
    /// A decoder's blocks are `decoder.blocks.<i>`; its relative bias counts with the embeddings
    /// and its final norm with the head.
    static func group(of name: String) -> String {
        let parts = name.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
        if parts.first == "decoder" {
            if parts.count >= 3, parts[1] == "blocks" { return "decoder.blocks.\(parts[2])" }
            return parts.count >= 2 && parts[1] == "relative_bias" ? "embeddings" : "head"
        }
        return parts.first == "blocks" && parts.count >= 2 ? "blocks.\(parts[1])" : String(parts.first ?? "")
    }

    init(_ s: Skeleton, workload: Workload, rates: KernelRates) {
        let modelCost = CostModel.flops(s, workload: workload)
        let runtimeCost = CostModel.cost(s, workload: workload, pricing: .runtime(rates))
        var parameters: [String: Int] = [:], bytes: [String: Int] = [:]
        // Parameters as ModelGraph.parameterCount counts them: a linear by its form, any other tensor by its elements.
        var linearTensors = Set<String>()
        for (path, linear) in s.linears {
            parameters[Self.group(of: path.description), default: 0] += linear.parameterCount
            for (role, _) in linear.weight.parts { linearTensors.insert("\(path).\(role)") }
            if linear.bias != nil { linearTensors.insert("\(path).bias") }
        }
        for (name, tensor) in s.namedTensors {
            let g = Self.group(of: name)
            bytes[g, default: 0] += tensor.byteCount
            if !linearTensors.contains(name) { parameters[g, default: 0] += tensor.elementCount }
        }
        func row(_ name: String, flops: Int, runtime: Int, heads: Int? = nil, subLayers: BlockCost? = nil) -> Report.LayerCost {
            Report.LayerCost(flops: flops, runtime: runtime, parameters: parameters[name] ?? 0, bytes: bytes[name] ?? 0,
                             heads: heads, subLayers: subLayers)
        }
        costs["embeddings"] = row("embeddings", flops: modelCost.embeddings, runtime: runtimeCost.embeddings)
        costs["head"] = row("head", flops: modelCost.head, runtime: runtimeCost.head)
        for (i, block) in s.blocks.enumerated() {
            let c = modelCost.blocks[i]
            costs["blocks.\(i)"] = row("blocks.\(i)", flops: c.total, runtime: runtimeCost.blocks[i].total,
                                       heads: block.attention.keptHeads.count, subLayers: c)
        }
        for (i, block) in (s.decoder?.blocks ?? []).enumerated() {
            costs["decoder.blocks.\(i)"] = row("decoder.blocks.\(i)", flops: modelCost.decoder?[i].total ?? 0,
                                               runtime: runtimeCost.decoder?[i].total ?? 0, heads: block.attention.keptHeads.count)
        }
        total = costs.values.reduce(.zero) { $0 + $1.measure }
    }

    /// A layer's cost; zero for a layer this skeleton does not have.
    func cost(_ name: String) -> Report.LayerCost {
        costs[name] ?? Report.LayerCost(flops: 0, runtime: 0, parameters: 0, bytes: 0, heads: nil, subLayers: nil)
    }

    func subLayerTotal(_ s: Report.SubLayer) -> Int {
        costs.values.reduce(0) { $0 + ($1.subLayers?[s] ?? 0) }
    }
}

extension Report {
    /// The block's parts that differ from BERT/GPT-2, in the report's words; nil when none does.
    static func features(_ c: ModelConfig) -> [String]? {
        var found: [String] = []
        if c.norm == .rms { found.append("rmsnorm") }
        if c.mlpKind == .gated { found.append("gated-mlp") }
        if c.rotary != nil { found.append("rotary") }
        if let w = c.slidingWindow { found.append("sliding-window-\(w)") }
        if c.relativePositions != nil { found.append("relative-positions") }
        if let layers = c.decoderLayerCount { found.append("decoder-\(layers)-layers") }
        return found.isEmpty ? nil : found
    }
}
