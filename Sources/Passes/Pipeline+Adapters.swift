import ModelIR

extension Pipeline {
    /// The steps that merge `--adapter` adapters (`Pass.mergesAdapters`), by index.
    public var adapterSteps: [Int] {
        passes.indices.filter { type(of: passes[$0]).mergesAdapters }
    }

    /// What the recipe's shape says about `adapterCount` adapters given with `--adapter`: adapters
    /// need one merging step (an error without, and for each further one), and a merging step
    /// without adapters only notes that it has nothing to do.
    public func adapterDiagnostics(adapterCount: Int) -> [Diagnostic] {
        let merges = adapterSteps
        let merging = PassRegistry.passes.first { $0.mergesAdapters }?.name ?? "adapter-merging"
        var found: [Diagnostic] = []
        if adapterCount > 0, merges.isEmpty {
            found.append(Diagnostic(.error, at: "--adapter", "\(adapterCount) adapter(s) given but the recipe has no \(merging) step",
                                    hint: "add \(merging) as the recipe's first step"))
        }
        if adapterCount == 0, !merges.isEmpty { found.append(MergeLoRA.nothingToMerge) }
        for i in merges.dropFirst() where adapterCount > 0 {
            let name = type(of: passes[i]).name
            found.append(Diagnostic(.error, at: "step \(i + 1) (\(name))", "step \(merges[0] + 1) already merges the adapters",
                                    hint: "keep one \(name) step"))
        }
        return found
    }
}
