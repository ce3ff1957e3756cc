import ModelIR

extension SVDLowRank {
    public struct Options: PassOptions {
        public var select: LayerGlob = "blocks.*.mlp.*"
        public var rank: Int?
        public var rankRatio: Double?
        public var energy: Double?
        public var force: Bool = false
        public var activationAware: Bool = false
        /// How the truncated SVD is computed: LAPACK's full SVD, or a randomized one.
        public var method: Method = .exact
        /// p, extra sketch columns of the randomized SVD beyond the rank (Halko et al. use 5–10).
        public var oversampling: Int = 10
        /// q, power iterations of the randomized SVD (each costs two products with W).
        public var powerIterations: Int = 2

        public init() {}

        /// The energy used when no rank option is given.
        public static let defaultEnergy = 0.9

        public func validate() throws(PassError) {
            let given = [rank != nil, rankRatio != nil, energy != nil].filter { $0 }.count
            guard given <= 1 else {
                throw .invalidValue(key: "rank", value: "rank, rank-ratio and energy together", expected: "at most one of them")
            }
            if let rank, rank < 1 { throw .invalidValue(key: "rank", value: "\(rank)", expected: "an integer ≥ 1") }
            if let r = rankRatio, !(r > 0 && r <= 1) { throw .invalidValue(key: "rank-ratio", value: "\(r)", expected: "a number in (0, 1]") }
            if let e = energy, !(e > 0 && e <= 1) { throw .invalidValue(key: "energy", value: "\(e)", expected: "a number in (0, 1]") }
            if oversampling < 0 { throw .invalidValue(key: "oversampling", value: "\(oversampling)", expected: "an integer ≥ 0") }
            if !(0...10).contains(powerIterations) {
                throw .invalidValue(key: "power-iterations", value: "\(powerIterations)", expected: "an integer from 0 to 10")
            }
            if method == .randomized, rank == nil, rankRatio == nil {
                // The energy rule compares the kept Σσᵢ² with all of it: it needs every singular value.
                throw .invalidValue(key: "method", value: "randomized with " + (energy.map { "energy=\($0)" } ?? "the default energy rule"),
                                    expected: "rank or rank-ratio with it (the energy rule needs every singular value; a randomized SVD finds only the leading rank + oversampling), or method=exact")
            }
        }
    }

    /// `exact`: LAPACK `sgesdd` of the whole W. `randomized`: `SVD.randomized` (Halko, Martinsson
    /// & Tropp 2011), O(out·in·(r + p)·(2q + 2)) instead of O(out·in·min(out, in)); it pays off
    /// when r + p is well below min(out, in): about 2× at r = min/4 on 3072×768 and 1536×384, none
    /// at r = min/2 (RandomizedSVDTimingTests).
    public enum Method: String, Codable, Sendable, ChoiceOption {
        case exact
        case randomized
    }
}
