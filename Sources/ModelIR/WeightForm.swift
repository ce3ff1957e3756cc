/// How a Linear stores W [out, in]. `T` is `Tensor` in a Model and `TensorSpec` in a Skeleton.
public enum WeightForm<T: TensorDescribing>: Sendable {
    /// W [out, in].
    case dense(T)
    /// W ≈ u·v, u [out, r], v [r, in]; saves FLOPs only when r·(out+in) < out·in.
    case lowRank(u: T, v: T)
    /// W = mask ⊙ values: `values` [out, in] with zeros where `mask` is 0; `mask` u8 [out, ⌈in/8⌉]
    /// bit-packed (bit j%8 of byte j/8 for column j); `nonzeros` = popcount(mask).
    case sparse(values: T, mask: T, pattern: SparsityPattern, nonzeros: Int)
    /// W[o, i] ≈ scales[o, i / g] · values[o, i], values i8 [out, in] (symmetric, in −127...127).
    /// `scales` f32 [out] is one scale per output channel (g = in, the row), or [out, in/g] one
    /// per group of g consecutive inputs of a row (g divides in): smaller groups, smaller steps.
    case int8(values: T, scales: T)
    /// W ≈ (diag(uScales)·U)·(diag(vScales)·V): a low-rank weight with both factors int8, one
    /// scale per row of each: u i8 [out, r], uScales f32 [out]; v i8 [r, in], vScales f32 [r].
    /// Runs as two GEMMs through the [rows, r] intermediate, like `lowRank`.
    case lowRankInt8(u: T, uScales: T, v: T, vScales: T)
    /// W[o, i] ≈ scales[o, i / g] · values[o, i] with the zeros of `mask`: values i8 [out, in]
    /// with 0 where `mask` is 0 (q(0) = 0 exactly), scales f32 [out] or [out, in/g] as in `int8`
    /// (computed over the kept weights); `mask`, `pattern` and `nonzeros` as in `sparse`.
    case sparseInt8(values: T, scales: T, mask: T, pattern: SparsityPattern, nonzeros: Int)

    /// Short name used in reports and diagnostics.
    public var kind: String {
        switch self {
        case .dense: "dense"
        case .lowRank: "low-rank"
        case .sparse: "sparse"
        case .int8: "int8"
        case .lowRankInt8: "low-rank-int8"
        case .sparseInt8: "sparse-int8"
        }
    }

    /// Whether the weight is stored as int8 (`int8`, `lowRankInt8`, `sparseInt8`): the forms
    /// that may run with dynamic activations.
    public var isInt8: Bool {
        switch self {
        case .int8, .lowRankInt8, .sparseInt8: true
        case .dense, .lowRank, .sparse: false
        }
    }

    /// The tensors of this form, with their role names (`weight`, `u`, `v`, `values`, ...), in
    /// the order `map` visits them.
    public var parts: [(role: String, tensor: T)] {
        switch self {
        case let .dense(w): [("weight", w)]
        case let .lowRank(u, v): [("u", u), ("v", v)]
        case let .sparse(values, mask, _, _): [("values", values), ("mask", mask)]
        case let .int8(values, scales): [("values", values), ("scales", scales)]
        case let .lowRankInt8(u, uScales, v, vScales): [("u", u), ("u-scales", uScales), ("v", v), ("v-scales", vScales)]
        case let .sparseInt8(values, scales, mask, _, _): [("values", values), ("scales", scales), ("mask", mask)]
        }
    }

    /// The same form with every tensor transformed (e.g. `Tensor` → `TensorSpec`).
    public func map<U>(_ f: (T) throws -> U) rethrows -> WeightForm<U> {
        switch self {
        case let .dense(w): .dense(try f(w))
        case let .lowRank(u, v): .lowRank(u: try f(u), v: try f(v))
        case let .sparse(values, mask, pattern, nonzeros):
            .sparse(values: try f(values), mask: try f(mask), pattern: pattern, nonzeros: nonzeros)
        case let .int8(values, scales): .int8(values: try f(values), scales: try f(scales))
        case let .lowRankInt8(u, uScales, v, vScales):
            .lowRankInt8(u: try f(u), uScales: try f(uScales), v: try f(v), vScales: try f(vScales))
        case let .sparseInt8(values, scales, mask, pattern, nonzeros):
            .sparseInt8(values: try f(values), scales: try f(scales), mask: try f(mask), pattern: pattern, nonzeros: nonzeros)
        }
    }
}

extension TensorDescribing {
    /// For int8 scales of a weight with `inFeatures` inputs, g, the consecutive inputs of a row
    /// that share one scale: `inFeatures` for per-channel scales [out], in/k for per-group
    /// scales [out, k]. (Shapes as the verifier checks them; 0 for an empty row.)
    public func int8GroupSize(inFeatures: Int) -> Int {
        shape.rank == 2 && shape[1] > 0 ? inFeatures / shape[1] : inFeatures
    }
}

/// Which zeros a sparse weight has: any (unstructured) or at most `n` nonzeros in each group of
/// `m` consecutive inputs (N:M, e.g. 2:4, which some hardware can skip).
public enum SparsityPattern: Codable, Sendable, Equatable, CustomStringConvertible {
    case unstructured
    case nOfM(n: Int, m: Int)

    public var description: String {
        switch self {
        case .unstructured: "unstructured"
        case let .nOfM(n, m): "\(n):\(m)"
        }
    }
}

extension WeightForm: Equatable where T: Equatable {}
extension WeightForm: Codable where T: Codable {}
