import Foundation
import ModelIR
import TensorCore

/// `pare compile --broadcast-weights`, for ranks that do not share storage: rank 0 alone reads
/// the input (config.json, the safetensors, the tokenizer and calibration files, the adapters,
/// the recipe) and sends the other ranks what they need when they need it (`Collective.broadcast`):
///
/// - before the sweeps (`share`): the skeleton, the embeddings' tensors, the recipe's canonical
///   text, the tokenized calibration samples and the adapters (`CompileInputs+Bytes`);
/// - each time a sweep reaches block l (`block(_:of:)`): block l's tensors by name, dtype, shape
///   and bytes. Every rank calls it at the same point of every sweep.
///
/// The other ranks hold stand-ins without bytes for every tensor not sent (`Tensor.absent`), so
/// they hold one block's weights at a time, as the block-by-block compile does, and never open a
/// file of the input. Every rank computes on the bits rank 0 read, so the artifact is the bytes of
/// the shared-storage run.
final class WeightBroadcast: @unchecked Sendable {
    let collective: any Collective
    /// Seconds in this rank's weight broadcasts and the bytes they moved (sent by rank 0,
    /// received by the others), for `--verbose`. The sweeps call one at a time.
    private(set) var seconds = 0.0, bytes = 0

    init(collective: any Collective) { self.collective = collective }

    /// `collective.broadcast` from rank 0, counted.
    private func broadcast(_ sent: [UInt8]) -> [UInt8] {
        let start = ContinuousClock.now
        let received = collective.broadcast(sent, from: 0)
        seconds += (ContinuousClock.now - start).inSeconds
        bytes += received.count
        return received
    }

    /// One `--verbose` line: what the weight broadcasts cost this rank.
    var accountLine: String {
        "rank \(collective.rank): --broadcast-weights \(collective.isRoot ? "sent" : "received") "
            + String(format: "%.1f MB in %.3f s", Double(bytes) / 1e6, seconds)
    }

    /// The inputs on every rank: rank 0's `inputs` (read from storage) sent to the others, which
    /// pass nil and get what rank 0 sent.
    func share(_ inputs: CompileInputs?) throws(DriverError) -> CompileInputs {
        if collective.isRoot, let inputs {
            var w = ByteWriter()
            do { try inputs.encode(into: &w) } catch {
                throw .usage("--broadcast-weights: cannot encode the model's skeleton (\(error))", "put the model on storage every rank reads and drop --broadcast-weights")
            }
            _ = broadcast(w.bytes)
            return inputs
        }
        var r = ByteReader(broadcast([]))
        do { return try CompileInputs(decoding: &r) } catch { throw torn("the inputs") }
    }

    /// Block l's weights: read by rank 0 and sent, received by the others (`model`'s absent
    /// stand-ins give the names, dtypes and shapes they must have).
    func block(_ l: Int, of model: Model) throws(DriverError) -> Block<Tensor> {
        let weights = model.blocks[l]
        if collective.isRoot {
            var w = ByteWriter()
            let named = weights.namedTensors(index: l)
            w.append(named.count)
            for (name, tensor) in named {
                w.append(name)
                w.append(tensor)
            }
            _ = broadcast(w.bytes)
            return weights
        }
        var r = ByteReader(broadcast([]))
        var received: [String: Tensor] = [:]
        do {
            for _ in 0..<(try r.count(8)) { received[try r.string()] = try r.tensor() }
        } catch {
            throw torn("block \(l)'s weights")
        }
        var mismatch = !r.isAtEnd
        let block = weights.mapNamed(index: l) { name, absent in
            guard let tensor = received.removeValue(forKey: name), tensor.spec == absent.spec else {
                mismatch = true
                return absent
            }
            return tensor
        }
        guard !mismatch, received.isEmpty else { throw torn("block \(l)'s weights") }
        return block
    }

    private func torn(_ what: String) -> DriverError {
        .usage("rank \(collective.rank): \(what) received from rank 0 are truncated or corrupt or do not fit the model",
               "run the same pare build on every rank")
    }
}
