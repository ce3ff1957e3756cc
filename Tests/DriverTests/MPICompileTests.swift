import Foundation
import Testing

/// `mpirun -np N pare compile` against its oracle, `pare compile` without MPI: byte-identical
/// artifacts (`cmp`) for N = 1, 2, 3 on a BERT and a Llama fixture with max-compress (2 blocks,
/// 64 samples in 4 batches: shares of 4, 2+2 and 1+1+2 batches); and a rank killed mid-compile
/// ends the job non-zero within seconds with nothing at -o. Runs the built `pare` under Open MPI's
/// `mpirun`; when mpirun is missing it fails under PARE_REQUIRE_MODEL=1 (CI: scripts/install-deps.sh
/// installs openmpi-bin) and is skipped elsewhere.
@Suite(.serialized) struct MPICompileTests {
    static let binary = CommandLineTests.binary
    static let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let required = ProcessInfo.processInfo.environment["PARE_REQUIRE_MODEL"] == "1"
    static let recipe = InspectTests.repository + "/passes/max-compress.yaml"

    let directory: String = {
        let d = NSTemporaryDirectory() + "pare-mpi-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    /// Runs `command` with a deadline (a hung job fails the test instead of hanging it); returns
    /// the exit status, stderr and the seconds it took.
    static func run(_ command: [String], environment: [String: String] = [:], deadline: Double = 300) throws -> (status: Int32, stderr: String, seconds: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        let start = Date()
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning, Date().timeIntervalSince(start) < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(-process.processIdentifier, SIGKILL); process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: text, as: UTF8.self), Date().timeIntervalSince(start))
    }

    static func mpi(_ ranks: Int, _ arguments: [String], exporting names: [String] = []) throws -> [String] {
        let mpirun = try #require(mpirun, "mpirun not found; scripts/install-deps.sh installs openmpi-bin")
        return [mpirun, "--oversubscribe", "--allow-run-as-root", "-np", "\(ranks)"] + names.flatMap { ["-x", $0] } + [binary] + arguments
    }

    /// The arguments of a max-compress compile of `fixture` (all but -o), and the artifact they
    /// give without MPI: the oracle.
    func oneProcessCompile(_ fixture: String) throws -> (arguments: [String], expected: Data) {
        let arguments = ["compile", InspectTests.fixtures + "/" + fixture, "--recipe", Self.recipe]
        let single = try Self.run([Self.binary] + arguments + ["-o", directory + "/single.pare"])
        #expect(single.status == 0, "\(single.stderr)")
        return (arguments, try #require(FileManager.default.contents(atPath: directory + "/single.pare")))
    }

    @Test(.enabled(if: mpirun != nil || required), arguments: ["tiny-bert", "tiny-llama"])
    func everyRankCountWritesTheBytesOfOneProcess(_ fixture: String) throws {
        let (arguments, expected) = try oneProcessCompile(fixture)
        for ranks in 1...3 {
            let output = directory + "/np\(ranks).pare"
            let job = try Self.run(try Self.mpi(ranks, arguments + ["-o", output]))
            #expect(job.status == 0, "-np \(ranks): \(job.stderr)")
            #expect(FileManager.default.contents(atPath: output) == expected, "-np \(ranks)")
        }
    }

    /// Rank 1 dies (SIGKILL after block 1 of the compiling sweep) while rank 0 waits in the next
    /// exchange: mpirun ends the job non-zero within seconds and no artifact appears.
    @Test(.enabled(if: mpirun != nil || required))
    func aDeadRankEndsTheJobWithNoArtifact() throws {
        let output = directory + "/dead.pare"
        let job = try Self.run(try Self.mpi(2, ["compile", InspectTests.fixtures + "/tiny-llama", "--recipe", Self.recipe, "-o", output],
                                            exporting: ["PARE_TEST_KILL_AFTER_BLOCK", "PARE_TEST_KILL_RANK"]),
                               environment: ["PARE_TEST_KILL_AFTER_BLOCK": "1", "PARE_TEST_KILL_RANK": "1"], deadline: 120)
        #expect(job.status != 0)
        #expect(job.stderr.contains("rank 1") && job.stderr.contains("signal 9"), "\(job.stderr)")
        #expect(job.seconds < 120)
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// A job whose rank 0 runs `rank0` and whose other `ranks - 1` ranks run `others` (Open MPI's
    /// `A : B` form: one command line per group of ranks).
    static func mpi(_ ranks: Int, rank0: [String], others: [String]) throws -> [String] {
        let mpirun = try #require(mpirun, "mpirun not found; scripts/install-deps.sh installs openmpi-bin")
        return [mpirun, "--oversubscribe", "--allow-run-as-root", "-np", "1", binary] + rank0
            + [":", "-np", "\(ranks - 1)", binary] + others
    }

    /// `--broadcast-weights` on ranks that cannot read the input: ranks 1… are given a model
    /// directory, a recipe file and a calibration file that do not exist, so they can only compute
    /// on what rank 0 sends them. The artifact is the one-process bytes on 2 and 3 ranks; the same
    /// job without the flag fails on the missing directory (the oracle that the other ranks would
    /// otherwise read it). On one process the flag changes nothing and a note says so.
    @Test(.enabled(if: mpirun != nil || required), arguments: ["tiny-bert", "tiny-llama"])
    func broadcastWeightsWritesTheBytesOfOneProcessWhenOnlyRank0CanReadTheInput(_ fixture: String) throws {
        let (arguments, expected) = try oneProcessCompile(fixture)
        let flagged = try Self.run([Self.binary] + arguments + ["-o", directory + "/flagged.pare", "--broadcast-weights"])
        #expect(flagged.status == 0 && flagged.stderr.contains("note: --broadcast-weights: one process reads the input itself; there is nothing to send"),
                "\(flagged.stderr)")
        #expect(FileManager.default.contents(atPath: directory + "/flagged.pare") == expected)
        let missing = ["compile", "/nonexistent/\(fixture)", "--recipe", "/nonexistent/recipe.yaml", "--calibration", "/nonexistent/calibration.txt"]
        for ranks in 2...3 {
            let output = directory + "/np\(ranks).pare"
            let job = try Self.run(try Self.mpi(ranks, rank0: arguments + ["-o", output, "--broadcast-weights"],
                                                others: missing + ["-o", output, "--broadcast-weights"]))
            #expect(job.status == 0, "-np \(ranks): \(job.stderr)")
            #expect(FileManager.default.contents(atPath: output) == expected, "-np \(ranks)")
        }
        let output = directory + "/unshared.pare"
        let unshared = try Self.run(try Self.mpi(2, rank0: arguments + ["-o", output], others: missing + ["-o", output]), deadline: 120)
        #expect(unshared.status != 0)
        #expect(unshared.stderr.contains("/nonexistent/\(fixture)"), "\(unshared.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// The adapters go out too: a LoRA adapter at weight 0.5 merged block by block on 2 ranks whose
    /// rank 1 is given an adapter directory that does not exist gives the one-process bytes.
    @Test(.enabled(if: mpirun != nil || required))
    func broadcastWeightsSendsTheAdapters() throws {
        let arguments = ["compile", InspectTests.fixtures + "/tiny-bert", "--recipe", "merge-lora,head-prune{fraction=0.25},int8-quantize"]
        let adapter = ["--adapter", InspectTests.fixtures + "/lora/bert-lora:0.5"]
        let single = try Self.run([Self.binary] + arguments + adapter + ["-o", directory + "/single.pare"])
        #expect(single.status == 0, "\(single.stderr)")
        let output = directory + "/np2.pare"
        let job = try Self.run(try Self.mpi(2, rank0: arguments + adapter + ["-o", output, "--broadcast-weights"],
                                            others: ["compile", "/nonexistent/tiny-bert", "--recipe", "x", "--adapter", "/nonexistent/lora:0.5",
                                                     "-o", output, "--broadcast-weights"]))
        #expect(job.status == 0, "\(job.stderr)")
        #expect(FileManager.default.contents(atPath: output) == FileManager.default.contents(atPath: directory + "/single.pare"))
    }

    /// Weights go out block by block, so a recipe that needs the whole model is refused on every
    /// rank with what to do, and the job ends non-zero.
    @Test(.enabled(if: mpirun != nil || required))
    func broadcastWeightsRefusesARecipeThatRunsOnTheWholeModel() throws {
        let output = directory + "/whole.pare"
        let job = try Self.run(try Self.mpi(2, ["compile", InspectTests.fixtures + "/tiny-bert", "--recipe", "svd-lowrank",
                                                "-o", output, "--broadcast-weights"]), deadline: 120)
        #expect(job.status != 0)
        #expect(job.stderr.contains("error: --broadcast-weights: rank 0 sends the weights block by block, and this compile runs on the whole model "
                                    + "(step 1 (svd-lowrank) runs on the whole model); put the model on storage every rank reads and drop --broadcast-weights"),
                "\(job.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
