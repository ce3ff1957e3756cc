import CHeap
import ModelIR
import TensorCore

/// Where a compile is, for a progress line: a whole-model step starting, the tensors of a
/// whole-model run being handed over, or a block of a layer-by-layer sweep finished.
public enum CompileProgress: Sendable, CustomStringConvertible {
    case step(index: Int, count: Int, pass: String)
    case handingOverTensors
    case block(LayerwisePipeline.Progress)

    public var description: String {
        switch self {
        case let .step(index, count, pass): return "step \(index + 1)/\(count): \(pass)"
        case .handingOverTensors: return "compressing tensors"
        case let .block(p):
            let sweep = p.sweeps > 1 ? "sweep \(p.sweep)/\(p.sweeps), " : ""
            return "\(sweep)\(p.name): block \(p.block)/\(p.blocks), \(Int(p.elapsed.rounded())) s, "
                + "about \(Int(p.remaining.rounded())) s left in this sweep"
        }
    }
}

/// What a compile did: each step's log line, the skeleton of the tensors written, and why the
/// steps ran on the whole model in memory (nil: they ran block by block).
public struct CompileOutcome: Sendable {
    public var log: [PipelineStep]
    public var skeleton: Skeleton
    public var wholeModelReason: String?
}

extension Pipeline {
    /// Runs the steps on `model` and hands every tensor of the result to `write`, in the order
    /// of `Model.namedTensors`' parts: the tensors outside the blocks first, then block by block.
    ///
    /// Block by block (`LayerwisePipeline`: the input stays mapped, each block's pages are given
    /// back once `write` has taken its frames) when every step can, unless `wholeModel`; otherwise
    /// on the whole model in memory. Both give the same tensors, bit for bit. `checkpoint` keeps
    /// (and resumes) a block-by-block run's progress. `weights`, when given, supplies each block's
    /// weights as a sweep reaches it (`LayerwisePipeline.run`; `--broadcast-weights`), and then the
    /// run must be block by block. Throws a `PassError`, or what `write` throws.
    public func compile(_ model: Model, context: PassContext, wholeModel: Bool,
                        write: ([(name: String, tensor: Tensor)]) throws -> Void,
                        progress: @escaping (CompileProgress) -> Void = { _ in },
                        checkpoint: (any LayerwiseCheckpoint)? = nil,
                        weights: ((Int) throws -> Block<Tensor>)? = nil) async throws -> CompileOutcome {
        let obstacle = wholeModel ? "--whole-model was given" : LayerwisePipeline.obstacle(self, model.skeleton, context: context)
        if let obstacle, checkpoint != nil {
            throw PassError.failed(pass: "--checkpoint-dir", reason: "checkpoints are kept by a block-by-block compile, and this one runs on the whole model: \(obstacle)")
        }
        if let obstacle, weights != nil {
            throw PassError.failed(pass: "--broadcast-weights", reason: "rank 0 sends the weights block by block, and this compile runs on the whole model (\(obstacle)); put the model on storage every rank reads and drop --broadcast-weights")
        }
        if let obstacle {
            var model = model
            let count = recipe.steps.count
            let log = try await run(on: &model, context: context) { i, name in progress(.step(index: i, count: count, pass: name)) }
            progress(.handingOverTensors)
            try write(model.namedTensors)
            return CompileOutcome(log: log, skeleton: model.skeleton, wholeModelReason: obstacle)
        }
        let rest = model.namedTensorsOutsideBlocks
        try write(rest)
        Self.release(rest.map(\.tensor))
        let (log, skeleton) = try LayerwisePipeline.run(self, on: model, context: context, write: { l, block in
            try write(block.namedTensors(index: l))
        }, release: Self.release, progress: { progress(.block($0)) }, checkpoint: checkpoint, weights: weights)
        return CompileOutcome(log: log, skeleton: skeleton, wholeModelReason: nil)
    }

    /// Gives back the memory of input tensors a run is done with: their mapped pages, and the free
    /// pages of every malloc arena. Freed blocks sit in the arenas of the threads that made them
    /// (calibration workers, oneDNN's OpenMP team); without this the peak is that of every block
    /// rather than of one.
    static func release(_ tensors: [Tensor]) {
        for t in tensors { t.storage.discardMappedPages() }
        _ = pare_heap_release_free_pages()
    }
}
