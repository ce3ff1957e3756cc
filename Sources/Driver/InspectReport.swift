import ModelIR
import TensorCore

/// What `pare inspect` reports. Codable for `--json` (keys sorted, no absolute paths).
public struct InspectReport: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case modelDirectory = "model-directory"
        case safetensors
        case artifact
    }

    public struct Architecture: Codable, Sendable, Equatable {
        public var modelType: String
        public var layers: Int
        public var hiddenSize: Int
        public var heads: Int
        public var headDim: Int
        public var intermediateSize: Int
        public var vocabSize: Int
        public var maxPositions: Int
        public var activation: String
        public var normPlacement: String
        public var causal: Bool
        public var head: [String]
        /// G with grouped-query attention (absent when every query head has its own K/V head).
        public var kvHeads: Int?
        /// `rms` for RMSNorm (absent for LayerNorm).
        public var norm: String?
        /// `gated` for a gated MLP, down(act(gate(x)) ⊙ up(x)) (absent for a plain one).
        public var mlp: String?
        /// Rotary positions, e.g. `rotary θ=10000 llama3×8` (absent for a learned position table).
        public var positions: String?
        public var slidingWindow: Int?
    }

    public struct FLOPs: Codable, Sendable, Equatable {
        public var batch: Int
        public var sequenceLength: Int
        public var embeddings: Int
        /// Per block, by sub-layer (`layers[i]` is block i).
        public var layers: [BlockCost]
        public var head: Int
        public var total: Int
    }

    public struct TensorRow: Codable, Sendable, Equatable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var bytes: Int
        /// Artifacts: the stored frame size and its encoding.
        public var compressedBytes: Int?
        public var encoding: String?
    }

    /// Artifacts: one pass-log line, and where the artifact came from.
    public struct ArtifactSummary: Codable, Sendable, Equatable {
        public var formatVersion: Int
        public var tool: String
        public var fileBytes: Int
        public var recipe: String
        public var passes: [String]
        public var inputs: [String]
        public var tokenizerFiles: [String]
        public var sections: [String]
    }

    public var kind: Kind
    /// The path as the user gave it.
    public var path: String
    public var architecture: Architecture?
    public var parameters: Int
    /// Bytes of parameters by dtype (`f32` → bytes).
    public var bytesByDType: [String: Int]
    /// Checkpoint tensors that are buffers, not parameters (e.g. `embeddings.position_ids`).
    public var buffers: [String]
    public var files: [String]
    public var tensorCount: Int
    public var flops: FLOPs?
    /// Only for a bare safetensors file.
    public var tensors: [TensorRow]?
    public var metadata: [String: String]
    public var artifact: ArtifactSummary?
    /// How many linears run in each form (`dense`, `int8 W8A8 (dynamic activations)`, …).
    public var linearForms: [String: Int] = [:]
}

extension InspectReport.FLOPs {
    init(_ cost: ModelCost, _ workload: Workload) {
        self.init(
            batch: workload.batch, sequenceLength: workload.sequenceLength, embeddings: cost.embeddings,
            layers: cost.blocks,
            head: cost.head, total: cost.total)
    }
}
