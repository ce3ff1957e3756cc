import ArgumentParser
import ModelIR
import Report

/// Options shared by the commands that print a report: its workload, format and λ.
public struct ReportOptions: ParsableArguments {
    @Option(help: "Sequence length of the report's workload.")
    public var seqLen: Int = 128

    @Option(help: "Batch size of the report's workload.")
    public var batch: Int = 1

    @Option(help: "Report format: md, json or html.")
    public var format: ReportFormat = .md

    @Option(help: "λ of the token-elimination section (default: the artifact's).")
    public var lambda: Double?

    @Option(help: ArgumentHelp("A machine profile (pare machine-profile) to price the runtime cost with (default: $XDG_CACHE_HOME/pare/machine.json or ~/.cache/pare/machine.json if present, else the built-in reference).", valueName: "file"))
    public var machine: String?

    public init() {}

    public var workload: Workload { Workload(batch: batch, sequenceLength: seqLen) }

    public func validate() throws {
        guard seqLen >= 1, batch >= 1 else { throw ValidationError("--seq-len and --batch must be at least 1") }
        if let lambda, !(lambda > 0 && lambda.isFinite) { throw ValidationError("--lambda must be a number above 0") }
    }

    /// The machine to price for (`PricingMachine.resolve`).
    public func pricingMachine() throws(DriverError) -> PricingMachine { try PricingMachine.resolve(machine) }

    /// `report` in the chosen format.
    public func render(_ report: Report) -> String { format.render(report) }
}
