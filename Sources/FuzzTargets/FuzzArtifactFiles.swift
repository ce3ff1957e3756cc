import Artifact
import Driver
import Foundation
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

    /// A manifest (its JSON text), framed with a correct SHA-256 around the data section of
    /// tiny-bert compiled with int8-quantize: the tensor table, the skeleton, `pare report`'s
    /// arithmetic and then `pare verify`, all past the checksum a mutated whole file stops at.
    static func manifest(_ input: [UInt8]) -> FuzzTarget.Outcome {
        let bytes = ArtifactWriter.assemble(manifestJSON: input, data: FuzzSeeds.tinyBERTInt8.data)
        return FuzzScratch.withFolder(files: ["model.pare": bytes]) { directory in .of {
            let path = directory + "/model.pare"
            _ = try ArtifactTools.report(path, workload: Workload(batch: 2, sequenceLength: 64))
            let verification = try ArtifactTools.verify(path)
            if let problem = verification.problems.first { throw problem }
        } }
    }
}
