import Calibration
import Passes

/// `pare compile --verbose`'s line per block: what calibrating it cost this rank.
///
/// `rank 1, sweep 3/3, block 4/6: 12 batches computed in 1.84 s, exchange 0.21 s, 1.2 MB sent, 2.4 MB received`
///
/// compute: running this rank's batches through the block (all steps' streams); exchange:
/// seconds inside the all-gather, which is waiting for the slowest rank plus moving the bytes.
enum CalibrationAccount {
    static func line(_ p: LayerwisePipeline.Progress, rank: Int) -> String? {
        guard let a = p.calibration else { return nil }
        func seconds(_ s: Double) -> String { String(format: "%.3f s", s) }
        func megabytes(_ b: Int) -> String { String(format: "%.2f MB", Double(b) / 1e6) }
        return "rank \(rank), sweep \(p.sweep)/\(p.sweeps), block \(p.block)/\(p.blocks): \(a.batches) batches computed in "
            + "\(seconds(a.computeSeconds)), exchange \(seconds(a.exchangeSeconds)), \(megabytes(a.bytesSent)) sent, \(megabytes(a.bytesReceived)) received"
    }
}
