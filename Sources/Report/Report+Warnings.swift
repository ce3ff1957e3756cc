import ModelIR

extension Report {
    /// Findings on the final skeleton, one per distinct message, with every linear it applies to
    /// (in execution order): a low-rank form (f32 or int8) that saves nothing, and sparsity (f32
    /// or int8) whose FLOP saving the cost model counts but a dense kernel does not realise.
    static func warnings(on s: Skeleton) -> [Warning] {
        var result: [Warning] = []
        for (path, linear) in s.linears {
            guard let (kind, message, hint) = finding(linear) else { continue }
            if let i = result.firstIndex(where: { $0.kind == kind && $0.message == message && $0.hint == hint }) {
                result[i].locations.append(path.description)
            } else {
                result.append(Warning(kind: kind, severity: .warning, locations: [path.description],
                                      message: message, hint: hint))
            }
        }
        return result
    }

    private static func finding(_ l: Linear<TensorSpec>) -> (Warning.Kind, String, String)? {
        let g = NumberFormat.grouped, inF = l.inFeatures, out = l.outFeatures, dense = inF * out
        switch l.weight {
        case let .lowRank(u, _), let .lowRankInt8(u, _, _, _):
            let r = u.shape.rank == 2 ? u.shape[1] : 0, stored = r * (inF + out)
            guard stored >= dense else { return nil }
            let useful = (dense - 1) / (inF + out)
            return (.lowRankSavesNothing,
                    "low-rank r = \(r) of a \(inF) → \(out) linear stores r·(in+out) = \(g(stored)) numbers, "
                        + "not fewer than in·out = \(g(dense)): the factorization saves nothing "
                        + "(\(NumberFormat.fixed(Double(stored) / Double(dense), 2))× the dense FLOPs and parameters)",
                    useful >= 1 ? "use a rank of at most \(useful), or keep this weight dense" : "keep this weight dense")
        case let .sparse(_, _, pattern, nonzeros), let .sparseInt8(_, _, _, pattern, nonzeros):
            let kept = "\(g(nonzeros)) of \(g(dense)) weights kept (\(NumberFormat.fixed(100 * Double(nonzeros) / Double(max(dense, 1)), 1))%)"
            switch pattern {
            case .unstructured:
                return (.unstructuredSparsity,
                        "unstructured sparsity, \(kept): its FLOP saving is counted as a sparse kernel would "
                            + "realise it; a dense CPU kernel realises none of it",
                        "count this saving only where a sparse kernel runs these linears")
            case let .nOfM(n, m):
                return (.nOfMSparsity,
                        "\(n):\(m) sparsity, \(kept): its FLOP saving needs hardware or kernels that exploit "
                            + "\(n):\(m) (e.g. sparse tensor cores); a dense CPU kernel realises none of it",
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
