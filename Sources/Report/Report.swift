import ModelIR

/// The static speedup report (DESIGN.md §6): everything computed from skeletons and the cost
/// model, ready to render as JSON (`schemas/report.schema.json`), Markdown or HTML.
/// Differences are always after − before, so a saving is negative.
///
/// Two prices of the same work: `runtime`, what Pare's runtime spends (the headline speedup:
/// sparse weights at dense cost, int8 GEMMs at the int8 rate, …; `rates` says at what rates),
/// and `flops`, what a kernel that skips every zero would do.
public struct Report: Codable, Sendable, Equatable {
    /// Version of the JSON layout; bumped when a field changes meaning or disappears.
    /// 2: `speedup` fields are runtime speedups (they were FLOP ratios, now `flops_speedup`).
    public var version: Int
    /// The rates the runtime cost is priced at.
    public var rates: KernelRates
    /// The machine profile `rates` come from: a profile's file name and CPU, or the built-in
    /// reference and the machine it was measured on.
    public var machine: MachineProfile.Summary
    /// Display name of the model, never a path.
    public var model: String
    public var architecture: ArchitectureSummary
    public var workload: Workload
    /// Whole-model figures before and after the pipeline.
    public var totals: Totals
    /// `embeddings`, `blocks.0` … `blocks.<L−1>`, `head`, in execution order.
    public var layers: [LayerRow]
    /// FLOPs per sub-layer summed over all blocks.
    public var subLayers: [SubLayerRow]
    /// What each pipeline step changed, in order; empty when nothing ran.
    public var passes: [PassContribution]
    public var files: FileSizes?
    /// Findings on the final skeleton, then the pipeline's own diagnostics.
    public var warnings: [Warning]
    /// Token elimination (ACC profile, λ sweep); nil until an elimination profile is computed.
    public var elimination: EliminationSection?
    /// How the int8 linears of the final model run; nil when it has none.
    public var int8: Int8Linears? = nil
}

extension Report {
    /// The int8 linears of the final model by how the runtime runs them (`Linear.activations`).
    public struct Int8Linears: Codable, Sendable, Equatable {
        /// int8 GEMMs on activations quantized per token at each call (W8A8, dynamic).
        public var dynamic: Int
        /// Weight-only: widened to f32 once at load, f32 GEMMs (W8A16).
        public var weightOnly: Int

        init?(_ s: Skeleton) {
            var dynamic = 0, weightOnly = 0
            for (_, linear) in s.linears where linear.weight.isInt8 {
                if linear.activations == .dynamic { dynamic += 1 } else { weightOnly += 1 }
            }
            guard dynamic + weightOnly > 0 else { return nil }
            self.dynamic = dynamic
            self.weightOnly = weightOnly
        }
    }
}

extension Report {
    /// The shape of the model as imported.
    public struct ArchitectureSummary: Codable, Sendable, Equatable {
        /// Hugging Face `model_type`: `bert`, `gpt2`, `llama`, `mistral`, `qwen2`.
        public var type: String
        public var layers: Int
        public var hiddenSize: Int
        public var heads: Int
        public var intermediateSize: Int
        public var vocabSize: Int
        /// G, key/value heads per layer, with grouped-query attention (absent otherwise).
        public var kvHeads: Int?
        /// What differs from BERT/GPT-2 (`rmsnorm`, `gated-mlp`, `rotary`), absent for them.
        public var features: [String]?
    }

    /// FLOPs and runtime cost for the workload, stored parameters and stored bytes of some part
    /// of the model.
    public struct Measure: Codable, Sendable, Equatable {
        public var flops: Int
        /// What Pare's runtime spends, in f32-GEMM FLOPs (`CostModel.Pricing.runtime(rates)`).
        public var runtime: Int
        /// Numbers stored, as `Linear.parameterCount` counts them (sparse: nonzeros).
        public var parameters: Int
        /// Bytes of the stored tensors at their dtypes (sparse: dense values plus mask).
        public var bytes: Int

        public static let zero = Measure(flops: 0, runtime: 0, parameters: 0, bytes: 0)

        static func - (a: Measure, b: Measure) -> Measure {
            Measure(flops: a.flops - b.flops, runtime: a.runtime - b.runtime, parameters: a.parameters - b.parameters,
                    bytes: a.bytes - b.bytes)
        }

        static func + (a: Measure, b: Measure) -> Measure {
            Measure(flops: a.flops + b.flops, runtime: a.runtime + b.runtime, parameters: a.parameters + b.parameters,
                    bytes: a.bytes + b.bytes)
        }
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var before: Measure
        public var after: Measure
        /// after − before.
        public var delta: Measure
        /// The headline: runtime cost before / after (4 decimals), the speedup Pare's runtime is
        /// predicted to realise; an estimate, not a measurement (`pare bench --against` measures it).
        public var speedup: Double
        /// FLOPs before / after (4 decimals): the speedup a kernel that skips every zero would give.
        public var flopsSpeedup: Double
        /// Runtime cost of the input / of the output as deployed, eliminating tokens at the
        /// elimination section's λ (4 decimals); nil without an elimination profile.
        public var deployedSpeedup: Double? = nil
    }

    /// The sub-layers of a block, in execution order.
    public enum SubLayer: String, Codable, Sendable, CaseIterable {
        case qkv, scores, softmax, context, output, norms
        case mlpUp = "mlp_up", mlpActivation = "mlp_activation", mlpDown = "mlp_down"

        /// The label of text outputs.
        public var label: String {
            switch self {
            case .qkv: "QKV"
            case .scores: "Q·Kᵀ"
            case .softmax: "softmax"
            case .context: "P·V"
            case .output: "W_O"
            case .norms: "norms"
            case .mlpUp: "FFN up"
            case .mlpActivation: "FFN act"
            case .mlpDown: "FFN down"
            }
        }
    }

    /// One part of the model at the start and at the end of the pipeline.
    public struct LayerCost: Codable, Sendable, Equatable {
        public var flops: Int
        /// In f32-GEMM FLOPs, as `Measure.runtime`.
        public var runtime: Int
        public var parameters: Int
        public var bytes: Int
        /// Kept attention heads; blocks only.
        public var heads: Int?
        /// FLOPs by sub-layer (ACC-SPEC §6.1), for the whole batch; blocks only.
        public var subLayers: BlockCost?

        var measure: Measure { Measure(flops: flops, runtime: runtime, parameters: parameters, bytes: bytes) }
    }

    public struct LayerRow: Codable, Sendable, Equatable {
        /// `embeddings`, `blocks.<i>`, `decoder.blocks.<i>` (encoder-decoders) or `head`.
        public var layer: String
        public var before: LayerCost
        public var after: LayerCost
        /// Runtime cost before / after (4 decimals); 0 when the layer costs nothing after.
        public var speedup: Double
        /// FLOPs before / after (4 decimals); 0 when the layer does no FLOPs after.
        public var flopsSpeedup: Double
    }

    /// One sub-layer summed over all blocks.
    public struct SubLayerRow: Codable, Sendable, Equatable {
        public var subLayer: SubLayer
        public var before: Int
        public var after: Int
    }

    /// What one pipeline step changed: the difference between consecutive skeletons.
    public struct PassContribution: Codable, Sendable, Equatable {
        /// 1-based position in the pipeline.
        public var step: Int
        /// The canonical step text.
        public var pass: String
        /// This step's skeleton minus the previous one's.
        public var delta: Measure
        /// The whole model after this step.
        public var after: Measure
        /// Runtime cost of the input model / after this step (4 decimals).
        public var speedup: Double
        /// FLOPs of the input model / FLOPs after this step (4 decimals).
        public var flopsSpeedup: Double
        /// Per layer, in the order of `Report.layers`; every layer is listed, changed or not.
        public var layers: [LayerDelta]
    }

    public struct LayerDelta: Codable, Sendable, Equatable {
        public var layer: String
        public var delta: Measure
    }

    public struct FileSizes: Codable, Sendable, Equatable {
        public var inputBytes: Int
        public var artifactBytes: Int?
        /// input bytes / artifact bytes (4 decimals), when an artifact was written.
        public var compressionRatio: Double?
    }

    /// A finding worth the reader's attention.
    public struct Warning: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            /// A low-rank linear with r·(in+out) ≥ in·out.
            case lowRankSavesNothing = "low-rank-saves-nothing"
            /// A low-rank linear that saves FLOPs but whose two skinny GEMMs the runtime cost model
            /// prices at no less than the dense weight's one.
            case lowRankSlowerThanDense = "low-rank-slower-than-dense"
            /// Unstructured sparsity: only a sparse kernel realises its FLOP saving.
            case unstructuredSparsity = "unstructured-sparsity"
            /// N:M sparsity: only hardware or kernels that exploit N:M realise its FLOP saving.
            case nOfMSparsity = "n-of-m-sparsity"
            /// A diagnostic of the pipeline's check or run, passed through.
            case diagnostic
        }

        public var kind: Kind
        public var severity: Diagnostic.Severity
        /// Layer paths (or a diagnostic's location) the finding applies to, in execution order.
        public var locations: [String]
        public var message: String
        /// What to do; empty when nothing needs doing.
        public var hint: String
    }
}

extension BlockCost {
    /// The FLOPs of one sub-layer.
    subscript(_ s: Report.SubLayer) -> Int {
        switch s {
        case .qkv: qkv
        case .scores: scores
        case .softmax: softmax
        case .context: context
        case .output: output
        case .norms: norms
        case .mlpUp: mlpUp
        case .mlpActivation: mlpActivation
        case .mlpDown: mlpDown
        }
    }
}
