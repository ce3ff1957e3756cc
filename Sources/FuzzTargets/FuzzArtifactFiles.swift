import Driver
import ModelIR

/// The `.pare` target: what `pare verify` and `pare report` do with a downloaded artifact.
enum FuzzArtifactFiles {
    static func artifact(_ input: [UInt8]) -> FuzzTarget.Outcome {
        FuzzScratch.withFolder(files: ["model.pare": input]) { directory in .of {
            let path = directory + "/model.pare"
            let verification = try ArtifactTools.verify(path)
            if let problem = verification.problems.first { throw problem }
            _ = try ArtifactTools.report(path, workload: Workload(batch: 2, sequenceLength: 64))
        } }
    }
}
