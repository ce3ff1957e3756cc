/// How a Linear stores W [out, in]. `T` is `Tensor` in a Model and `TensorSpec` in a Skeleton.
public enum WeightForm<T: TensorDescribing>: Sendable {
    /// W [out, in].
    case dense(T)
    /// W ≈ u·v, u [out, r], v [r, in]; saves FLOPs only when r·(out+in) < out·in.
    case lowRank(u: T, v: T)
    /// W = mask ⊙ values: `values` [out, in] with zeros where `mask` is 0; `mask` u8 [out, ⌈in/8⌉]
    /// bit-packed (bit j%8 of byte j/8 for column j); `nonzeros` = popcount(mask).
    case sparse(values: T, mask: T, pattern: SparsityPattern, nonzeros: Int)
    /// W[o, i] ≈ scales[o] · values[o, i], values i8 [out, in], scales f32 [out] (symmetric, per channel).
    case int8(values: T, scales: T)

    /// Short name used in reports and diagnostics.
    public var kind: String {
        switch self {
        case .dense: "dense"
        case .lowRank: "low-rank"
        case .sparse: "sparse"
        case .int8: "int8"
        }
    }

    /// The tensors of this form, with their role names (`weight`, `u`, `v`, `values`, ...).
    public var parts: [(role: String, tensor: T)] {
        switch self {
        case let .dense(w): [("weight", w)]
        case let .lowRank(u, v): [("u", u), ("v", v)]
        case let .sparse(values, mask, _, _): [("values", values), ("mask", mask)]
        case let .int8(values, scales): [("values", values), ("scales", scales)]
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
        }
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
