import Artifact
import JSON
import ModelIR
import Report

/// What `pare report` needs to rebuild a compile's report from the artifact alone: the input
/// skeleton and the skeleton after each step. Stored in the manifest's `report` extension.
struct ReportState: Codable, Sendable {
    struct Stage: Codable, Sendable {
        var pass: String
        var skeleton: Skeleton
    }

    var model: String
    var before: Skeleton
    var stages: [Stage]
    var inputBytes: Int

    init(model: String, before: Skeleton, stages: [ReportInput.Stage], inputBytes: Int) {
        self.model = model
        self.before = before
        self.stages = stages.map { Stage(pass: $0.pass, skeleton: $0.skeleton) }
        self.inputBytes = inputBytes
    }

    func input(workload: Workload, artifactBytes: Int?, diagnostics: [Diagnostic], lambda: Double? = nil,
               machine: PricingMachine = .reference) -> ReportInput {
        ReportInput(model: model, workload: workload, before: before,
                    stages: stages.map { ReportInput.Stage(pass: $0.pass, skeleton: $0.skeleton) },
                    files: .init(inputBytes: inputBytes, artifactBytes: artifactBytes), diagnostics: diagnostics, lambda: lambda,
                    rates: machine.rates, machine: machine.summary)
    }

    func json() throws(DriverError) -> JSONValue {
        do throws(JSONError) {
            return try JSONValueEncoder().encode(self)
        } catch {
            throw .usage("cannot encode the report state (\(error))", "this is a bug, please report it")
        }
    }

    /// Decodes the report section; each skeleton must lie within `SkeletonBounds` and pass the
    /// IR verifier before the report computes anything with its numbers.
    init(_ value: JSONValue, path: String) throws(DriverError) {
        let recompile = "recompile the artifact with this version of Pare"
        do throws(JSONError) {
            self = try JSONValueDecoder().decode(ReportState.self, from: value)
        } catch {
            throw .input(path: path, "the manifest's report section is unreadable (\(error))", recompile)
        }
        for (name, skeleton) in [("input", before)] + stages.map({ ("after \($0.pass)", $0.skeleton) }) {
            if let violation = SkeletonBounds.violation(skeleton) {
                throw .input(path: path, "the report's \(name) model is out of bounds: \(violation)", recompile)
            }
            if let problem = skeleton.verify().first {
                throw .input(path: path, "the report's \(name) model is not well formed: \(problem)", recompile)
            }
        }
    }
}
