import Kernels
import TensorCore

/// What every `pare` process does before parsing its arguments.
public enum Bootstrap {
    /// Relaunches the process with OpenBLAS's faster kernels when this CPU needs them
    /// (`OpenBLASCore`), and makes Ctrl-C or a TERM mid-compile leave no temporary beside the
    /// output (`AtomicFile.installSignalCleanup`).
    public static func prepareProcess() {
        OpenBLASCore.relaunchWithBetterKernelsIfNeeded()
        AtomicFile.installSignalCleanup()
    }
}
