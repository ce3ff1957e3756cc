import ModelIR

extension Report {
    /// Findings on the final skeleton, one per distinct message, with every linear it applies to
    /// (in execution order): a low-rank form (f32 or int8) that saves nothing or that the runtime
    /// runs slower than its dense weight, and sparsity (f32 or int8) whose FLOP saving only a
    /// sparse kernel realises.
    static func warnings(on s: Skeleton, workload: Workload, rates: KernelRates) -> [Warning] {
        var result: [Warning] = []
        for (path, linear) in s.linears {
            guard let (kind, message, hint) = finding(linear, tokens: workload.batch * workload.sequenceLength, rates: rates) else { continue }
            if let i = result.firstIndex(where: { $0.kind == kind && $0.message == message && $0.hint == hint }) {
                result[i].locations.append(path.description)
            } else {
                result.append(Warning(kind: kind, severity: .warning, locations: [path.description],
                                      message: message, hint: hint))
            }
        }
        return result
    }

    /// `tokens`: rows per call on the workload, at which low-rank factors are priced.
    private static func finding(_ l: Linear<TensorSpec>, tokens: Int, rates: KernelRates) -> (Warning.Kind, String, String)? {
        let g = NumberFormat.grouped, inF = l.inFeatures, out = l.outFeatures, dense = inF * out
        switch l.weight {
        case let .lowRank(u, _), let .lowRankInt8(u, _, _, _):
            let r = u.shape.rank == 2 ? u.shape[1] : 0, stored = r * (inF + out)
            let integer = l.weight.isInt8 && l.activations == .dynamic
            let breakEven = LowRankPricing.breakEvenRank(inFeatures: inF, outFeatures: out, int8GEMMs: integer, tokens: tokens, rates: rates)
            let hint = breakEven.map { "use a rank below \($0) for a speedup, or keep this weight dense" } ?? "keep this weight dense"
            if stored >= dense {
                return (.lowRankSavesNothing,
                        "low-rank r = \(r) of a \(inF) → \(out) linear stores r·(in+out) = \(g(stored)) numbers, "
                            + "not fewer than in·out = \(g(dense)): the factorization saves nothing "
                            + "(\(NumberFormat.fixed(Double(stored) / Double(dense), 2))× the dense FLOPs and parameters)",
                        hint)
            }
            let slowdown = LowRankPricing.slowdown(l, tokens: tokens, rates: rates)
            guard slowdown >= 1 else { return nil }
            return (.lowRankSlowerThanDense,
                    "low-rank r = \(r) of a \(inF) → \(out) linear saves \(NumberFormat.fixed(100 * (1 - Double(stored) / Double(dense)), 0))% "
                        + "of its FLOPs, but its two GEMMs are predicted to take \(NumberFormat.fixed(slowdown, 3))× the dense GEMM's time "
                        + "on Pare's runtime (skinny GEMMs run below sgemm's rate)",
                    hint)
        case let .sparse(_, _, pattern, nonzeros), let .sparseInt8(_, _, _, pattern, nonzeros):
            let kept = "\(g(nonzeros)) of \(g(dense)) weights kept (\(NumberFormat.fixed(100 * Double(nonzeros) / Double(max(dense, 1)), 1))%)"
            switch pattern {
            case .unstructured:
                return (.unstructuredSparsity,
                        "unstructured sparsity, \(kept): Pare's runtime runs these weights dense, so the headline "
                            + "speedup counts none of it; the FLOP figures count it as a sparse kernel would",
                        "prune whole heads or FFN neurons (head-prune, ffn-prune) for a speedup on this runtime")
            case let .nOfM(n, m):
                return (.nOfMSparsity,
                        "\(n):\(m) sparsity, \(kept): Pare's runtime runs these weights dense, so the headline speedup "
                            + "counts none of it; the FLOP figures count it as hardware that exploits \(n):\(m) "
                            + "(e.g. sparse tensor cores) would",
                        "expect no speedup from these linears on a CPU")
            }
        case .dense, .int8:
            return nil
        }
    }
}

extension Report.Warning {
    /// A pipeline diagnostic, passed through with its own severity.
    init(_ d: Diagnostic) {
        self.init(kind: .diagnostic, severity: d.severity, locations: [d.location], message: d.message, hint: d.hint)
    }

    /// The locations for display: block paths that differ only in the block index are merged into
    /// a glob, `blocks.*.mlp.down` when every one of `blockCount` blocks is listed, else
    /// `blocks.{0,2,4}.mlp.down`.
    func displayLocations(blockCount: Int) -> [String] {
        var order: [String] = [], indices: [String: [Int]] = [:], plain: Set<String> = []
        for location in locations {
            let path = LayerPath(location)
            if let i = path.blockIndex, path.components.count > 2 {
                let rest = path.components.dropFirst(2).joined(separator: ".")
                if indices[rest] == nil { order.append(rest) }
                indices[rest, default: []].append(i)
            } else if !plain.contains(location) {
                plain.insert(location)
                order.append("\u{0}" + location)
            }
        }
        return order.map { key in
            if key.hasPrefix("\u{0}") { return String(key.dropFirst()) }
            let list = indices[key]!
            if list.count == 1 { return "blocks.\(list[0]).\(key)" }
            if blockCount > 1, list.sorted() == Array(0..<blockCount) { return "blocks.*.\(key)" }
            return "blocks.{\(list.map(String.init).joined(separator: ","))}.\(key)"
        }
    }
}
