import Foundation
import Kernels
import TensorCore

/// What every `pare` process does before parsing its arguments, and as it exits.
public enum Bootstrap {
    /// The ranks this process is one of: MPI's when a launcher started it, else `SingleProcess`.
    nonisolated(unsafe) public private(set) static var collective: any Collective = SingleProcess()

    /// Relaunches the process with OpenBLAS's faster kernels when this CPU needs them
    /// (`OpenBLASCore`; before MPI_Init, since the exec would leave MPI behind), makes Ctrl-C or
    /// a TERM mid-compile leave no temporary beside the output (`AtomicFile.installSignalCleanup`),
    /// then joins the MPI job when started by `mpirun` or `srun` (`MPICollective`).
    public static func prepareProcess() {
        OpenBLASCore.relaunchWithBetterKernelsIfNeeded()
        AtomicFile.installSignalCleanup()
        guard MPICollective.launched() else { return }
        do {
            collective = try MPICollective.start()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }

    /// Leaves the MPI job, if any: finalized after a success, aborted (every rank stops) after a failure.
    public static func finishProcess(exitCode: Int32) {
        (collective as? MPICollective)?.finish(exitCode: exitCode)
    }
}
