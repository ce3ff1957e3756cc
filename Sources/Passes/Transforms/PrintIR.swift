import ModelIR

/// `print-ir`: shows the IR at this point of the pipeline (shapes, forms, kept heads); changes nothing.
public struct PrintIR: Pass {
    public struct Options: PassOptions {
        public init() {}
        public func validate() throws(PassError) {}
    }

    public static let name = "print-ir"
    public static let summary = "Show the IR at this point of the pipeline; changes nothing."
    public let options: Options

    public init(options: Options) { self.options = options }

    public func check(_ s: Skeleton) -> [Diagnostic] { [] }
    public func effect(on s: inout Skeleton) {}

    public func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult {
        PassResult(changed: false, preservedAnalyses: context.cachedAnalyses, output: model.skeleton.printed())
    }
}
