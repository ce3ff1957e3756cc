import ModelIR
import TensorCore

/// One block prepared by itself, for a compile that holds one block at a time: the calibration
/// batches' hidden states x [tokens, d] enter block `index` and leave it, through the same step
/// the whole model's forward pass takes (`encoderLayer`, or `decoderLayer` for a causal model
/// with a fresh key/value cache per sample), so the bits equal those of the whole model's
/// forward pass (no elimination).
public struct PreparedBlock: Sendable {
    /// Embeddings and tables without blocks: what a block reads besides its own weights
    /// (config, rotary and relative-position tables).
    let shell: PreparedModel
    let layer: PreparedModel.Layer
    public let index: Int

    public init(_ block: Block<Tensor>, index: Int, shell: PreparedModel) {
        self.shell = shell
        self.layer = PreparedModel.layer(block)
        self.index = index
    }

    /// x [Σ n_b, d] ← block(x) for the samples of `batch`, in place; observers as in `encode`
    /// and `decode`.
    public func run(_ x: inout [Float], batch: TokenBatch, observe: AttentionObserver? = nil,
                    inputs: LinearInputObserver? = nil) {
        var rows = batch.tokenCount
        let scratch = Scratch(denseGEMV: shell.config.causal)
        if shell.config.causal {
            var state = EliminationState(batch, elimination: nil, protection: .last)
            let caches = batch.ids.map { KeyValueCache(capacity: $0.count, width: layer.kvWidth) }
            shell.decoderLayer(index, layer, x: &x, rows: &rows, state: &state, caches: caches, start: 0, scratch: scratch,
                               observe: observe, inputs: inputs, profile: nil)
        } else {
            var state = EliminationState(batch, elimination: nil, protection: .first)
            shell.encoderLayer(index, layer, x: &x, rows: &rows, state: &state, scratch: scratch, observe: observe,
                               inputs: inputs, profile: nil)
        }
    }
}

extension PreparedModel {
    /// The model without its blocks and head: `PreparedBlock`'s shell, and with `embeddings` the
    /// word table `embedded(_:)` reads (without, the [vocab, d] table is left out: blocks never
    /// read it). No head: a tied or separate [vocab, d] LM head is never widened here.
    public static func shell(_ model: Model, embeddings: Bool) -> PreparedModel {
        var e = model.embeddings
        if !embeddings { e.word = Tensor([Float](), shape: [0, model.config.hiddenSize], dtype: .f32) }
        return PreparedModel(ModelGraph(config: model.config, embeddings: e, blocks: [], head: Head()))
    }

    /// The input of block 0 for `batch`: embeddings (and their norm), [Σ n_b, d], positions
    /// counted from 0.
    public func embedded(_ batch: TokenBatch) throws(RuntimeError) -> [Float] {
        try validate(batch)
        return embed(batch)
    }
}
