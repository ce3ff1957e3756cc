import ModelIR

extension MagnitudePrune {
    public struct Options: PassOptions {
        /// Fraction s of each unit's weights set to zero, 0 < s < 1; with N:M it must be 1 − N/M.
        public var sparsity: Double = 0.5
        public var pattern: Pattern = .unstructured
        public var scope: Scope = .perLinear
        public var score: Score = .magnitude
        public var select: LayerGlob = "blocks.**"
        /// `select` zeroes the lowest scores and keeps the other weights as they are; `sparsegpt`
        /// also updates the kept weights to make up for the pruned ones (SparseGPT).
        public var method: Method = .select
        /// δ of SparseGPT's H = XᵀX + δ·mean(diag XᵀX)·I, δ ≥ 0 (the reference's percdamp).
        public var dampening: Double = 0.01
        /// B, the columns SparseGPT chooses one mask for and updates at once (a multiple of M with N:M).
        public var blockSize: Int = 128
        /// b += (W − Ŵ)·μ after pruning, μ the mean calibration input: keeps each linear's mean
        /// output. A linear without a bias gets one (f32 [out]).
        public var biasCorrection: Bool = false

        public init() {}

        public func validate() throws(PassError) {
            guard sparsity > 0, sparsity < 1 else {
                throw .invalidValue(key: "sparsity", value: "\(sparsity)", expected: "a fraction strictly between 0 and 1")
            }
            if let (n, m) = pattern.groups {
                let implied = 1 - Double(n) / Double(m)
                guard sparsity == implied else {
                    throw .invalidValue(key: "sparsity", value: "\(sparsity)",
                                        expected: "\(implied) with pattern=\(pattern.rawValue) (it zeroes \(m - n) of every \(m) weights), or pattern=unstructured")
                }
                guard scope != .global else {
                    throw .invalidValue(key: "scope", value: "global",
                                        expected: "per-linear with pattern=\(pattern.rawValue) (N:M groups lie within one row), or pattern=unstructured")
                }
            }
            guard dampening >= 0, dampening.isFinite else {
                throw .invalidValue(key: "dampening", value: "\(dampening)", expected: "a number ≥ 0 (a fraction of the mean diagonal of XᵀX; SparseGPT uses 0.01)")
            }
            guard blockSize >= 1 else {
                throw .invalidValue(key: "block-size", value: "\(blockSize)", expected: "an integer ≥ 1 (SparseGPT uses 128)")
            }
            guard method == .sparsegpt else { return }
            guard scope != .global else {
                throw .invalidValue(key: "scope", value: "global",
                                    expected: "per-linear or per-output with method=sparsegpt (it picks each block's mask from weights the earlier blocks of the same linear updated, so linears cannot share one ranking), or method=select")
            }
            guard score == .magnitude else {
                throw .invalidValue(key: "score", value: score.rawValue,
                                    expected: "magnitude with method=sparsegpt (it ranks by its own error w²/[H⁻¹]_jj², which already weighs the inputs), or method=select")
            }
            if let (_, m) = pattern.groups, blockSize % m != 0 {
                throw .invalidValue(key: "block-size", value: "\(blockSize)",
                                    expected: "a multiple of \(m) with pattern=\(pattern.rawValue) (a group of \(m) must lie within one block)")
            }
        }
    }

    /// How the kept weights are chosen and what they hold: `select` zeroes the lowest `score`s
    /// and keeps the rest unchanged; `sparsegpt` prunes by SparseGPT's error w²/[H⁻¹]_jj² and
    /// updates the kept weights from the calibration inputs' XᵀX (`Kernels.SparseGPT`).
    public enum Method: String, Codable, Sendable, ChoiceOption {
        case select
        case sparsegpt
    }

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

        /// As `ChoiceOption` decodes, with a note when the value is not a string.
        public init(from decoder: Decoder) throws {
            let choices = "one of " + Self.allCases.map(\.rawValue).joined(separator: ", ")
            guard let text = try? decoder.singleValueContainer().decode(String.self) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: choices + " (quote it in YAML, which reads a bare 2:4 as the base-60 number 124)"))
            }
            guard let value = Self(rawValue: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: choices))
            }
            self = value
        }
    }

    /// Over which weights ⌊s·n⌋ are counted and ranked: each linear, each row of a linear
    /// (one output feature, Wanda's comparison group), or all selected linears together.
    public enum Scope: String, Codable, Sendable, ChoiceOption {
        case perLinear = "per-linear"
        case perOutput = "per-output"
        case global
    }

    /// What ranks a weight: |W_ij|, or |W_ij|·‖X_j‖₂ with X the linear's calibration inputs (Wanda).
    public enum Score: String, Codable, Sendable, ChoiceOption {
        case magnitude
        case wanda
    }
}
