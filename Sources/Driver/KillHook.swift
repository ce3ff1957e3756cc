import Foundation
import Passes
import TensorCore

/// A test hook for crash safety: with `PARE_TEST_KILL_AFTER_BLOCK=N` a compile sends itself
/// SIGKILL once block N (1-based) of its compiling sweep is finished (written, and checkpointed
/// under `--checkpoint-dir`), on every rank or, with `PARE_TEST_KILL_RANK=R`, on rank R alone.
/// It stands in for a crash, a kill or a lost node at a known point (the resume and rank-death tests).
enum KillHook {
    static func check(_ progress: CompileProgress, rank: Int) {
        guard case let .block(p) = progress, p.sweep == p.sweeps,
              let text = ProcessInfo.processInfo.environment["PARE_TEST_KILL_AFTER_BLOCK"], Int(text) == p.block else { return }
        if let r = ProcessInfo.processInfo.environment["PARE_TEST_KILL_RANK"], Int(r) != rank { return }
        kill(getpid(), SIGKILL)
    }
}
