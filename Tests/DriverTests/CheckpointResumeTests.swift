import Foundation
import Testing

/// `pare compile --checkpoint-dir DIR` killed (SIGKILL, `PARE_TEST_KILL_AFTER_BLOCK`) after block
/// 1 or 2 of tiny Llama's 2 and resumed with `--resume` against its oracle, the uninterrupted
/// compile: the same bytes (the killed run ends by SIGKILL: Foundation reports the signal), on one process and on 2 MPI ranks; and a checkpoint of another
/// recipe, another rank count, or an empty directory is refused with what differs.
@Suite(.serialized) struct CheckpointResumeTests {
    static let binary = CommandLineTests.binary
    static let model = InspectTests.fixtures + "/tiny-llama"
    static let recipe = InspectTests.repository + "/passes/max-compress.yaml"

    let directory: String = {
        let d = NSTemporaryDirectory() + "pare-resume-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    func compile(_ output: String, recipe: String = recipe, checkpoint: String? = nil, resume: Bool = false, killAfter: Int? = nil,
                 ranks: Int? = nil) throws -> (status: Int32, stderr: String) {
        var arguments = ["compile", Self.model, "--recipe", recipe, "-o", output]
        if let checkpoint { arguments += ["--checkpoint-dir", checkpoint] }
        if resume { arguments.append("--resume") }
        let environment = killAfter.map { ["PARE_TEST_KILL_AFTER_BLOCK": "\($0)"] } ?? [:]
        let command = try ranks.map { try MPICompileTests.mpi($0, arguments, exporting: Array(environment.keys)) } ?? [Self.binary] + arguments
        let run = try MPICompileTests.run(command, environment: environment)
        return (run.status, run.stderr)
    }

    @Test(arguments: [1, 2])
    func aKilledCompileResumesToTheSameBytes(_ block: Int) throws {
        #expect(try compile(directory + "/whole.pare").status == 0)
        let expected = try #require(FileManager.default.contents(atPath: directory + "/whole.pare"))
        let output = directory + "/resumed.pare", checkpoint = directory + "/checkpoint"
        #expect(try compile(output, checkpoint: checkpoint, killAfter: block).status == SIGKILL)
        #expect(!FileManager.default.fileExists(atPath: output))
        let resumed = try compile(output, checkpoint: checkpoint, resume: true)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(FileManager.default.contents(atPath: output) == expected)
    }

    @Test(.enabled(if: MPICompileTests.mpirun != nil || MPICompileTests.required))
    func aKilledJobResumesOnItsRanksToTheSameBytes() throws {
        #expect(try compile(directory + "/whole.pare").status == 0)
        let expected = try #require(FileManager.default.contents(atPath: directory + "/whole.pare"))
        let output = directory + "/resumed.pare", checkpoint = directory + "/checkpoint"
        #expect(try compile(output, checkpoint: checkpoint, killAfter: 1, ranks: 2).status != 0)
        let other = try compile(output, checkpoint: checkpoint, resume: true, ranks: 3)
        #expect(other.status != 0)
        #expect(other.stderr.contains("error: \(checkpoint): --resume: the checkpoint is of another run: rank count (checkpoint: 2; this run: 3); "
            + "resume with the run's own model, recipe, options, rank count and pare, or compile again without --resume"), "\(other.stderr)")
        let resumed = try compile(output, checkpoint: checkpoint, resume: true, ranks: 2)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(FileManager.default.contents(atPath: output) == expected)
    }

    @Test func anotherRunsCheckpointOrAnEmptyDirectoryIsRefused() throws {
        let checkpoint = directory + "/checkpoint", output = directory + "/out.pare"
        #expect(try compile(output, checkpoint: checkpoint, killAfter: 1).status == SIGKILL)
        let other = try compile(output, recipe: "int8-quantize{activations=none}", checkpoint: checkpoint, resume: true)
        #expect(other.status == 1)
        #expect(other.stderr.contains("error: \(checkpoint): --resume: the checkpoint is of another run: recipe (checkpoint: merge-lora,"), "\(other.stderr)")
        #expect(other.stderr.contains("; this run: int8-quantize{"))
        let empty = directory + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let none = try compile(output, checkpoint: empty, resume: true)
        #expect(none.status == 1)
        #expect(none.stderr == "error: \(empty): --resume: holds no checkpoint (checkpoint.json is missing); "
            + "resume with the run's own model, recipe, options, rank count and pare, or compile again without --resume\n")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
