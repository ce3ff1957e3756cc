import ArgumentParser
import Driver

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure forward-pass latency, throughput and GEMM efficiency on a fixed workload.")

    @Argument(help: "A Hugging Face model directory or a .pare artifact.")
    var path: String

    @Option(help: "Samples per batch (default 8; 1 with --generate).")
    var batch: Int?

    @Option(help: "Time greedy generation of N new tokens after a --seq-len-token prompt: prefill, decode ms/token, tokens/s, weight bytes per token and the fraction of measured memory bandwidth (decoders).")
    var generate: Int?

    @Option(help: "Tokens per sample.")
    var seqLen: Int = 128

    @Option(help: "OpenBLAS threads (default: every core).")
    var threads: Int?

    @Option(help: "Timed runs after warm-up (default 10; 3 with --generate).")
    var runs: Int?

    @Option(help: "Untimed warm-up runs (default 2; 1 with --generate).")
    var warmup: Int?

    @Option(help: "λ of the eliminating run, measured beside the full model (default: the artifact's λ, if it has a profile); with --against, the λ this model runs at.")
    var lambda: Double?

    @Option(help: "Another model (a checkpoint or .pare) to time interleaved with this one on the same batch, each as deployed (at its baked λ, if any); prints both, the measured speedup and the cost model's prediction.")
    var against: String?

    @Flag(help: "With --against: time both models without elimination.")
    var full = false

    @Option(help: "What eliminated tokens become: drop or merge (default: the artifact's mode).")
    var eliminationMode: EliminationMode?

    @Option(help: ArgumentHelp("A machine profile (pare machine-profile) to price the predicted speedup with (default: $XDG_CACHE_HOME/pare/machine.json or ~/.cache/pare/machine.json if present, else the built-in reference).", valueName: "file"))
    var machine: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard batch ?? 1 >= 1, seqLen >= 1, runs ?? 1 >= 1, warmup ?? 0 >= 0 else {
            throw ValidationError("--batch, --seq-len and --runs must be at least 1, --warmup at least 0")
        }
        if let generate, generate < 2 { throw ValidationError("--generate must be at least 2 (the first token comes from prefill)") }
        if generate != nil, full || eliminationMode != nil {
            throw ValidationError("--generate runs each model at its baked λ; drop --full and --elimination-mode")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if full, against == nil { throw ValidationError("--full compares two models; give --against MODEL") }
        if full, lambda != nil { throw ValidationError("--full runs without elimination; drop --lambda or --full") }
    }

    func run() throws {
        do {
            if let generate {
                let options = Bench.GenerateOptions(tokens: generate, batch: batch ?? 1, promptLength: seqLen, threads: threads,
                                                    warmup: warmup ?? 1, runs: runs ?? 3, lambda: lambda)
                let report = try Bench.generate(path: path, against: against, options: options)
                print(json ? report.json() : report.text(), terminator: "")
                return
            }
            var options = Bench.Options(workload: .init(batch: batch ?? 8, sequenceLength: seqLen), threads: threads,
                                        warmup: warmup ?? 2, runs: runs ?? 10, lambda: lambda, full: full,
                                        mode: eliminationMode)
            options.machine = try Console.pricingMachine(machine, threads: threads)
            if let against {
                let comparison = try Bench.compare(path: path, against: against, options: options)
                print(json ? comparison.json() : comparison.text(), terminator: "")
                return
            }
            let report = try Bench.run(path: path, options: options)
            print(json ? report.json() : report.text(), terminator: "")
        } catch {
            fail(error)
        }
    }
}
