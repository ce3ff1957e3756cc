import CMPI
import Foundation
import TensorCore

/// The ranks of an MPI job (`mpirun -np N pare …`, `srun pare …`) as a `Collective`: Open MPI's
/// libmpi.so.40, dlopened by CMPI only when the environment says a launcher started this process,
/// so `pare` runs where MPI is not installed. MPI's default error handler stays (an error in a
/// call aborts every rank), and the launcher ends the job when a rank dies.
public final class MPICollective: Collective, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Ranks on this node (`OMPI_COMM_WORLD_LOCAL_SIZE`, `SLURM_NTASKS_PER_NODE`; 1 when unknown):
    /// they share its cores.
    public let localRanks: Int
    private let lock = NSLock()
    private var spent = CollectiveAccounting()
    /// Bytes per rank in one MPI_Allgatherv (its counts are 32-bit); larger sends go in rounds.
    static let roundBytes = 1 << 30

    /// Whether a launcher started this process: Open MPI's mpirun (`OMPI_COMM_WORLD_SIZE`), a
    /// PMIx launcher such as `srun --mpi=pmix` (`PMIX_RANK`), or a PMI one (`PMI_SIZE`).
    public static func launched(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// Loads libmpi and calls MPI_Init_thread (MPI_THREAD_SERIALIZED: Swift's tasks may call from
    /// any thread, one at a time).
    public static func start() throws(DriverError) -> MPICollective {
        guard pare_mpi_load() == 0 else {
            throw .usage("started under an MPI launcher, but \(String(cString: pare_mpi_load_error()))",
                         "install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) or run pare without mpirun")
        }
        var provided: Int32 = 0, rank: Int32 = 0, size: Int32 = 0
        try check(pare_mpi_init(&provided), "MPI_Init_thread")
        guard provided >= PARE_MPI_THREAD_SERIALIZED else {
            throw .usage("this MPI library grants thread level \(provided), not MPI_THREAD_SERIALIZED", "use Open MPI 4 or later")
        }
        try check(pare_mpi_rank(&rank), "MPI_Comm_rank")
        try check(pare_mpi_size(&size), "MPI_Comm_size")
        let environment = ProcessInfo.processInfo.environment
        let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? environment["SLURM_NTASKS_PER_NODE"]
        return MPICollective(rank: Int(rank), size: Int(size), localRanks: max(1, local.flatMap { Int($0) } ?? 1))
    }

    private init(rank: Int, size: Int, localRanks: Int) {
        self.rank = rank
        self.size = size
        self.localRanks = localRanks
    }

    private static func check(_ code: Int32, _ call: String) throws(DriverError) {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 512)
        pare_mpi_error_string(code, &text, Int32(text.count))
        throw .usage("\(call) failed: \(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))", "check the MPI installation (`mpirun --version`) and the launcher's messages")
    }

    /// A failed call mid-run (MPI's handler normally aborts first): every rank stops.
    private func require(_ code: Int32, _ call: String) {
        do { try Self.check(code, call) } catch {
            FileHandle.standardError.write(Data("error: rank \(rank): \(error)\n".utf8))
            _ = pare_mpi_abort(1)
            exit(1)
        }
    }

    private func timed<T>(_ received: (T) -> Int, _ body: () -> T) -> T {
        let start = ContinuousClock.now
        let value = body()
        lock.withLock {
            spent.seconds += (ContinuousClock.now - start).inSeconds
            spent.bytesReceived += received(value)
        }
        return value
    }

    public var accounting: CollectiveAccounting { lock.withLock { spent } }

    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        timed({ $0.reduce(0) { $0 + $1.count } }) {
            // Each rank's length, then the bytes in rounds of at most `roundBytes` per rank.
            var lengths = [Int64](repeating: 0, count: size)
            var mine = Int64(bytes.count)
            lengths.withUnsafeMutableBytes { out in require(pare_mpi_allgather(&mine, 8, out.baseAddress), "MPI_Allgather") }
            var gathered = lengths.map { [UInt8](repeating: 0, count: Int($0)) }
            var done = 0
            while lengths.contains(where: { Int($0) > done }) {
                let counts = lengths.map { Int32(max(0, min(Int($0) - done, Self.roundBytes))) }
                var displacements = [Int32](repeating: 0, count: size)
                for r in 1..<max(size, 1) { displacements[r] = displacements[r - 1] + counts[r - 1] }
                var round = [UInt8](repeating: 0, count: Int(counts.reduce(0, +)))
                bytes.withUnsafeBufferPointer { send in
                    round.withUnsafeMutableBufferPointer { receive in
                        require(pare_mpi_allgatherv(send.baseAddress.map { $0 + min(done, bytes.count) }, counts[rank], receive.baseAddress,
                                                    counts, displacements), "MPI_Allgatherv")
                    }
                }
                for r in 0..<size where counts[r] > 0 {
                    let start = Int(displacements[r])
                    gathered[r].replaceSubrange(done..<(done + Int(counts[r])), with: round[start..<(start + Int(counts[r]))])
                }
                done += Self.roundBytes
            }
            return gathered
        }
    }

    public func broadcast(_ bytes: [UInt8], from root: Int) -> [UInt8] {
        timed({ $0.count }) {
            var length = Int64(bytes.count)
            require(pare_mpi_bcast(&length, 8, Int32(root)), "MPI_Bcast")
            var buffer = rank == root ? bytes : [UInt8](repeating: 0, count: Int(length))
            var done = 0
            while done < buffer.count {
                let count = min(buffer.count - done, Self.roundBytes)
                buffer.withUnsafeMutableBufferPointer { require(pare_mpi_bcast($0.baseAddress! + done, Int32(count), Int32(root)), "MPI_Bcast") }
                done += count
            }
            return buffer
        }
    }

    public func barrier() { timed({ _ in 0 }) { require(pare_mpi_barrier(), "MPI_Barrier") } }

    /// Ends this rank's part of the job: MPI_Finalize after a success; MPI_Abort after a failure,
    /// so the other ranks stop instead of waiting in an exchange this rank will never join.
    public func finish(exitCode: Int32) {
        if exitCode == 0 { _ = pare_mpi_finalize() } else { _ = pare_mpi_abort(exitCode) }
    }
}
