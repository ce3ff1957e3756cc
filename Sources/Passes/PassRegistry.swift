/// Every pass a recipe can name. Adding a pass = one file in Transforms/ + one line here.
public enum PassRegistry {
    public static let passes: [any Pass.Type] = [
        Cast.self,
        PrintIR.self,
        EliminationProfilePass.self,
        SVDLowRank.self,
        HeadPrune.self,
        FFNPrune.self,
        MagnitudePrune.self,
        Int8Quantize.self,
        MergeLoRA.self,
    ]

    /// Registered names, sorted.
    public static var names: [String] {
        var result: [String] = []
        for type in passes { result.append(type.name) }
        return result.sorted()
    }

    public static func lookup(_ name: String) -> (any Pass.Type)? {
        passes.first { $0.name == name }
    }

    /// The registered name closest to `name` (edit distance ≤ 3), for "did you mean".
    static func suggestion(for name: String) -> String? {
        var best: (name: String, distance: Int)?
        for candidate in names {
            let distance = editDistance(Array(name), Array(candidate))
            if distance <= 3, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.name
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
