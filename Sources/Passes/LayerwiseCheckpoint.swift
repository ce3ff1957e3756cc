import ModelIR
import TensorCore

/// Where a layer-by-layer compile's compiling sweep stands after its first `blocksDone` blocks:
/// what `LayerwisePipeline` needs to continue with block `blocksDone` and give the bytes of an
/// uninterrupted run. The statistics-only sweeps of global budgets are short and deterministic;
/// a resumed run measures them again rather than storing their statistics.
public struct LayerwiseSnapshot: Sendable {
    public var blocksDone: Int
    /// outcomes[k][l]: what step k did to block l < blocksDone.
    public var outcomes: [[BlockOutcome]]
    /// blocks[k][l]: block l's specs after steps 1…k+1.
    public var blocks: [[Block<TensorSpec>]]
    /// Seconds each step took so far.
    public var seconds: [Double]
    /// Per step that reads calibration data: the block its stream enters next and the hidden
    /// states entering it (this rank's share of the batches).
    public var streams: [Int: (block: Int, hidden: [[Float]])]

    public init(blocksDone: Int, outcomes: [[BlockOutcome]], blocks: [[Block<TensorSpec>]], seconds: [Double],
                streams: [Int: (block: Int, hidden: [[Float]])]) {
        self.blocksDone = blocksDone
        self.outcomes = outcomes
        self.blocks = blocks
        self.seconds = seconds
        self.streams = streams
    }
}

/// Keeps a compile's progress so a crash, a kill or a lost rank costs only the block in flight
/// (`pare compile --checkpoint-dir DIR [--resume]`; the Driver's `CompileCheckpoint` writes the
/// files). `save` runs after every block of the compiling sweep, once the block is written.
public protocol LayerwiseCheckpoint: AnyObject {
    /// The snapshot to resume from; nil to start at block 0.
    func resume() throws -> LayerwiseSnapshot?
    func save(_ snapshot: LayerwiseSnapshot) throws
}
