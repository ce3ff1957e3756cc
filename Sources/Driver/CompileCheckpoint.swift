import Artifact
import Foundation
import JSON
import ModelIR
import Passes
import TensorCore

/// `pare compile --checkpoint-dir DIR [--resume]`: after each block of the compiling sweep,
/// DIR gets (each file written to a temporary and renamed)
///
/// ```
/// rank-<r>-block-<l>.bin  every rank: its streams' hidden states entering block l + 1 (ByteWriter)
/// frames-<l>.bin          rank 0: block l's compressed frames as the artifact writer made them
/// checkpoint.json         rank 0, after every rank's file is down (a barrier): what the run is
///                         (`Fingerprint`), blocks done, each step's outcomes and block specs,
///                         the frames' records by block
/// ```
///
/// `--resume` reads checkpoint.json, refuses a checkpoint of another run (saying which field
/// differs), puts the finished blocks' frames back into the writer and hands `LayerwisePipeline`
/// the snapshot; the artifact is then byte-identical to an uninterrupted run's.
final class CompileCheckpoint: LayerwiseCheckpoint {
    /// What must match for a checkpoint to be resumed: the same build, model files, recipe,
    /// options and rank count.
    struct Fingerprint: Codable, Equatable {
        var version: String
        var model: String
        var recipe: String
        var options: String
        var ranks: Int

        /// The fields that differ, as `name (checkpoint: a; this run: b)`.
        func differences(from other: Fingerprint) -> [String] {
            [("version", version, other.version), ("model files", model, other.model), ("recipe", recipe, other.recipe),
             ("options", options, other.options), ("rank count", String(ranks), String(other.ranks))]
                .filter { $0.1 != $0.2 }.map { "\($0.0) (checkpoint: \($0.1); this run: \($0.2))" }
        }
    }

    struct State: Codable {
        var fingerprint: Fingerprint
        var blocksDone: Int
        var outcomes: [[BlockOutcome]]
        var blocks: [[Block<TensorSpec>]]
        var seconds: [Double]
        var frames: [[ArtifactManifest.TensorRecord]]
    }

    static let format = 1
    static let stateFile = "checkpoint.json"
    let directory: String
    let fingerprint: Fingerprint
    let resuming: Bool
    let collective: any Collective
    /// Rank 0's writer; nil on the other ranks.
    let writer: StreamingArtifactWriter?
    /// Records the writer holds when the block now compiling began.
    private var savedRecords = 0
    private var frames: [[ArtifactManifest.TensorRecord]] = []

    init(directory: String, fingerprint: Fingerprint, resuming: Bool, collective: any Collective,
         writer: StreamingArtifactWriter?) throws(DriverError) {
        self.directory = directory
        self.fingerprint = fingerprint
        self.resuming = resuming
        self.collective = collective
        self.writer = writer
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .input(path: directory, "cannot create the checkpoint directory (\(error.localizedDescription))", "choose a writable --checkpoint-dir")
        }
    }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    private func rankFile(_ rank: Int, block: Int) -> String { path("rank-\(rank)-block-\(block).bin") }

    /// Why `--resume` cannot continue from DIR (rank 0 reads checkpoint.json; every rank gets
    /// the verdict), or the state it continues from.
    private func readState() throws(DriverError) -> State {
        var problem = "", state: State?
        if collective.isRoot {
            if let bytes = FileManager.default.contents(atPath: path(Self.stateFile)) {
                do {
                    let decoded = try JSONValueDecoder().decode(State.self, from: try JSONParser.parse(Array(bytes)))
                    let differences = decoded.fingerprint.differences(from: fingerprint)
                    if differences.isEmpty { state = decoded } else {
                        problem = "the checkpoint is of another run: " + differences.joined(separator: ", ")
                    }
                } catch {
                    problem = "\(Self.stateFile) cannot be read (\(error))"
                }
            } else {
                problem = "holds no checkpoint (\(Self.stateFile) is missing)"
            }
        }
        let verdict = String(decoding: collective.broadcast(Array(problem.utf8), from: 0), as: UTF8.self)
        guard verdict.isEmpty else {
            throw .input(path: directory, "--resume: " + verdict, "resume with the run's own model, recipe, options, rank count and pare, or compile again without --resume")
        }
        // Every rank continues from rank 0's state (the pipeline's log needs every block's outcome).
        var encoded: [UInt8] = []
        if let state {
            do { encoded = try JSONWriter.bytes(try JSONValueEncoder().encode(state), style: .compactSorted) } catch {
                throw .input(path: directory, "--resume: \(Self.stateFile) cannot be re-encoded (\(error))", "compile again without --resume")
            }
        }
        encoded = collective.broadcast(encoded, from: 0)
        do { return try JSONValueDecoder().decode(State.self, from: try JSONParser.parse(encoded)) } catch {
            throw .input(path: directory, "--resume: rank 0's \(Self.stateFile) did not arrive whole (\(error))", "compile again without --resume")
        }
    }

    func resume() throws -> LayerwiseSnapshot? {
        defer { savedRecords = writer?.addedCount ?? 0 }
        guard resuming else {
            // A fresh run: nothing of an earlier one may be taken for this one's.
            if collective.isRoot, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
                for name in names where name == Self.stateFile || name.hasSuffix(".bin") { try? FileManager.default.removeItem(atPath: path(name)) }
            }
            collective.barrier()
            return nil
        }
        let state = try readState()
        if let writer {
            for (l, records) in state.frames.enumerated() {
                guard let bytes = FileManager.default.contents(atPath: path("frames-\(l).bin")) else {
                    throw DriverError.input(path: directory, "--resume: frames-\(l).bin is missing", "compile again without --resume")
                }
                do { try writer.add(records: records, bytes: Array(bytes)) } catch { throw DriverError.artifact(error) }
            }
            frames = state.frames
        }
        let mine = rankFile(collective.rank, block: state.blocksDone - 1)
        guard let bytes = FileManager.default.contents(atPath: mine) else {
            throw DriverError.input(path: directory, "--resume: \((mine as NSString).lastPathComponent) is missing", "compile again without --resume")
        }
        var reader = ByteReader(Array(bytes))
        var streams: [Int: (block: Int, hidden: [[Float]])] = [:]
        do {
            for _ in 0..<(try reader.count(8)) {
                let k = try reader.int(), block = try reader.int()
                streams[k] = (block, try (0..<(try reader.count(8))).map { _ throws(ByteReader.Truncated) in try reader.floats() })
            }
        } catch {
            throw DriverError.input(path: mine, "--resume: the file is truncated", "compile again without --resume")
        }
        return LayerwiseSnapshot(blocksDone: state.blocksDone, outcomes: state.outcomes, blocks: state.blocks, seconds: state.seconds,
                                 streams: streams)
    }

    func save(_ snapshot: LayerwiseSnapshot) throws {
        let l = snapshot.blocksDone - 1
        var w = ByteWriter()
        w.append(snapshot.streams.count)
        for (k, stream) in snapshot.streams.sorted(by: { $0.key < $1.key }) {
            w.append(k)
            w.append(stream.block)
            w.append(stream.hidden.count)
            for rows in stream.hidden { w.append(rows) }
        }
        try AtomicFile.write(w.bytes, to: rankFile(collective.rank, block: l))
        if let writer {
            let (records, bytes) = try writer.frames(from: savedRecords)
            savedRecords = writer.addedCount
            try AtomicFile.write(bytes, to: path("frames-\(l).bin"))
            frames.append(records)
        }
        // Every rank's state for block l is down before checkpoint.json says block l is done.
        collective.barrier()
        if collective.isRoot {
            let state = State(fingerprint: fingerprint, blocksDone: snapshot.blocksDone, outcomes: snapshot.outcomes, blocks: snapshot.blocks,
                              seconds: snapshot.seconds, frames: frames)
            try AtomicFile.write(try JSONWriter.bytes(try JSONValueEncoder().encode(state), style: .compactSorted), to: path(Self.stateFile))
        }
        // checkpoint.json names block l − 1 or later once every rank passed the last barrier.
        if l >= 2 { try? FileManager.default.removeItem(atPath: rankFile(collective.rank, block: l - 2)) }
    }
}
