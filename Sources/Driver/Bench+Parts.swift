import ModelIR

/// The forward pass by part, measured (`pare bench`'s profiled phases) beside the runtime cost
/// model's share of the same part: where a prediction that misses comes from on this machine.
extension Bench {
    /// A part of the forward pass: the profiled phases it covers and the cost model's terms for it.
    struct Part: Sendable {
        var name: String
        var phases: Set<String>
        var predicted: @Sendable (ModelCost) -> Int
    }

    /// Linears include what the runtime times beside their GEMMs (bias adds, quantizing
    /// activations, dequantizing accumulators) and the MLP's activation, which the runtime fuses
    /// into the up projection's epilogue; "other" is the time no phase claims, which the cost
    /// model does not price.
    static let parts: [Part] = [
        Part(name: "linears and MLP", phases: ["qkv-gemm", "output-gemm", "mlp-up-gemm", "activation", "mlp-down-gemm", "bias-add",
                                               "quantize-activations", "int8-dequantize"],
             predicted: { $0.blocks.reduce(0) { $0 + $1.qkv + $1.output + $1.mlp } }),
        Part(name: "attention", phases: ["scores-gemm", "softmax", "context-gemm"],
             predicted: { $0.blocks.reduce(0) { $0 + $1.scores + $1.softmax + $1.context } }),
        Part(name: "elimination (sort, merge)", phases: ["sort+eliminate"], predicted: { $0.blocks.reduce(0) { $0 + $1.selection } }),
        Part(name: "norms and residuals", phases: ["layer-norm+residual"], predicted: { $0.blocks.reduce(0) { $0 + $1.norms } }),
        Part(name: "embeddings and head", phases: ["embeddings", "head"], predicted: { $0.embeddings + $0.head }),
        Part(name: "other (allocation, copies)", phases: ["other (allocation, copies)"], predicted: { _ in 0 }),
    ]

    /// Each part's share of the measured phases and of the predicted cost, in that order.
    static func partShares(_ phases: [BenchReport.PhaseTime], predicted cost: ModelCost) -> [BenchReport.PartShare] {
        let measuredTotal = phases.reduce(0) { $0 + $1.milliseconds }, predictedTotal = Double(max(cost.total, 1))
        return parts.map { part in
            let measured = phases.filter { part.phases.contains($0.phase) }.reduce(0) { $0 + $1.milliseconds }
            return BenchReport.PartShare(part: part.name, milliseconds: measured, measuredShare: measured / max(measuredTotal, 1e-12),
                                         predictedShare: Double(part.predicted(cost)) / predictedTotal)
        }
    }
}
