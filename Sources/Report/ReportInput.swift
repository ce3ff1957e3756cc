import ModelIR

/// Everything a report is computed from: the imported model's skeleton and the skeleton after
/// every pipeline step. Static by construction: no weights, no timing.
public struct ReportInput: Sendable {
    /// One pipeline step and the skeleton it produced.
    public struct Stage: Sendable {
        /// The canonical step text, e.g. `cast{dtype=f16,embeddings=true,select=**}`.
        public var pass: String
        /// The skeleton after this step.
        public var skeleton: Skeleton

        public init(pass: String, skeleton: Skeleton) {
            self.pass = pass
            self.skeleton = skeleton
        }
    }

    /// Sizes on disk: the input checkpoint and, after `pare compile`, the artifact.
    public struct Files: Sendable, Codable, Equatable {
        public var inputBytes: Int
        /// nil when no artifact was written (`pare plan`).
        public var artifactBytes: Int?

        public init(inputBytes: Int, artifactBytes: Int? = nil) {
            self.inputBytes = inputBytes
            self.artifactBytes = artifactBytes
        }
    }

    /// A display name such as `all-MiniLM-L6-v2`, never an absolute path.
    public var model: String
    public var workload: Workload
    /// The imported model.
    public var before: Skeleton
    /// The steps in pipeline order; empty when nothing ran.
    public var stages: [Stage]
    /// nil for `pare plan`.
    public var files: Files?
    /// Findings of the pipeline's check and run, shown as warnings.
    public var diagnostics: [Diagnostic]
    /// λ of the elimination section; nil = the profile's default.
    public var lambda: Double?
    /// The rates the runtime cost (the headline) is priced at.
    public var rates: KernelRates
    /// The machine profile `rates` come from (`KernelRates.referenceMachine` for the built-in one).
    public var machine: MachineProfile.Summary

    public init(model: String, workload: Workload, before: Skeleton, stages: [Stage] = [], files: Files? = nil,
                diagnostics: [Diagnostic] = [], lambda: Double? = nil, rates: KernelRates = .reference,
                machine: MachineProfile.Summary = KernelRates.referenceMachine) {
        self.model = model
        self.workload = workload
        self.before = before
        self.stages = stages
        self.files = files
        self.diagnostics = diagnostics
        self.lambda = lambda
        self.rates = rates
        self.machine = machine
    }

    /// The skeleton after the last step, or `before` when there are no steps.
    public var after: Skeleton { stages.last?.skeleton ?? before }
}

/// `Stage` and `Files` are also reachable without the `ReportInput.` prefix.
public typealias Stage = ReportInput.Stage
public typealias Files = ReportInput.Files
