/// The processes a compile runs on, and the two exchanges it needs between them (DESIGN §2:
/// reductions behind one interface). A calibration sweep splits its batches over the ranks
/// (`share(of:)`), each rank measures its own, and every rank receives every rank's bytes in rank
/// order (`allGather`) to reduce them in batch order itself, so the bits never depend on `size`.
/// `SingleProcess` is one rank; `MPICollective` (Driver) is the ranks of `mpirun`.
public protocol Collective: AnyObject, Sendable {
    /// This process's rank, 0..<size.
    var rank: Int { get }
    var size: Int { get }
    /// Every rank's `bytes`, in rank order, on every rank (MPI_Allgatherv).
    func allGather(_ bytes: [UInt8]) -> [[UInt8]]
    /// Root's `bytes` on every rank (MPI_Bcast); the others' argument is ignored.
    func broadcast(_ bytes: [UInt8], from root: Int) -> [UInt8]
    /// Returns when every rank has called it.
    func barrier()
    /// Seconds spent in `allGather`, `broadcast` and `barrier` so far (waiting for the slowest
    /// rank and moving the bytes), and the bytes received.
    var accounting: CollectiveAccounting { get }
}

/// What a collective cost so far: wall seconds inside exchanges and bytes received.
public struct CollectiveAccounting: Sendable, Equatable {
    public var seconds: Double = 0
    public var bytesReceived: Int = 0
    public init(seconds: Double = 0, bytesReceived: Int = 0) {
        self.seconds = seconds
        self.bytesReceived = bytesReceived
    }
}

extension Collective {
    /// The ranks' contiguous shares of `count` items in order: rank r owns
    /// ⌊r·count/size⌋ ..< ⌊(r+1)·count/size⌋ (sizes differ by at most one).
    public func share(of count: Int) -> Range<Int> { contiguousShare(of: count, rank: rank, size: size) }

    /// Whether this rank writes the outputs (rank 0).
    public var isRoot: Bool { rank == 0 }
}

/// One process: every exchange returns its own argument.
public final class SingleProcess: Collective {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] { [bytes] }
    public func broadcast(_ bytes: [UInt8], from root: Int) -> [UInt8] { bytes }
    public func barrier() {}
    public var accounting: CollectiveAccounting { CollectiveAccounting() }
}

/// Rank `rank`'s contiguous share of `count` items split over `size` ranks (`Collective.share(of:)`).
public func contiguousShare(of count: Int, rank: Int, size: Int) -> Range<Int> {
    (rank * count / size)..<((rank + 1) * count / size)
}
