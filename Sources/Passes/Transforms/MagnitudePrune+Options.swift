import ModelIR

extension MagnitudePrune {
    /// Which weights compete: any (`unstructured`), or the M consecutive inputs of a row of which
    /// N are kept (`2:4`, `4:8`: semi-structured sparsity some hardware can skip).
    public enum Pattern: String, Codable, Sendable, CaseIterable {
        case unstructured
        case twoOfFour = "2:4"
        case fourOfEight = "4:8"

        /// (N, M) for an N:M pattern.
        public var groups: (n: Int, m: Int)? {
            switch self {
            case .unstructured: nil
            case .twoOfFour: (2, 4)
            case .fourOfEight: (4, 8)
            }
        }

        public var sparsity: SparsityPattern {
            groups.map { .nOfM(n: $0.n, m: $0.m) } ?? .unstructured
        }

        public init(from decoder: Decoder) throws {
            self = try decodeChoice(decoder, note: " (quote it in YAML, which reads a bare 2:4 as the base-60 number 124)")
        }
    }

    /// Over which weights ⌊s·n⌋ are counted and ranked: each linear, each row of a linear
    /// (one output feature, Wanda's comparison group), or all selected linears together.
    public enum Scope: String, Codable, Sendable, CaseIterable {
        case perLinear = "per-linear"
        case perOutput = "per-output"
        case global

        public init(from decoder: Decoder) throws { self = try decodeChoice(decoder) }
    }

    /// What ranks a weight: |W_ij|, or |W_ij|·‖X_j‖₂ with X the linear's calibration inputs (Wanda).
    public enum Score: String, Codable, Sendable, CaseIterable {
        case magnitude
        case wanda

        public init(from decoder: Decoder) throws { self = try decodeChoice(decoder) }
    }
}

/// A string option with a fixed set of values; anything else fails with the list, which
/// `Pass.make` turns into "option 'x' must be one of a, b, c".
private func decodeChoice<C: RawRepresentable & CaseIterable>(_ decoder: Decoder, note: String = "") throws -> C where C.RawValue == String {
    let choices = "one of " + C.allCases.map(\.rawValue).joined(separator: ", ")
    let container = try decoder.singleValueContainer()
    guard let text = try? container.decode(String.self) else {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: choices + note))
    }
    guard let value = C(rawValue: text) else {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: choices))
    }
    return value
}
