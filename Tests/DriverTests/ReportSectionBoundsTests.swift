import Foundation
import ModelIR
import Testing
@testable import Artifact
@testable import Driver

/// `pare report` rebuilds its figures from the skeletons in the artifact's report section, which
/// no tensor table ties to the file: each must be within `SkeletonBounds` and pass the IR verifier
/// before the cost model multiplies anything in it (a 2⁴⁰ × 2⁴⁰ shape, or a zero head count,
/// trapped before).
@Suite final class ReportSectionBoundsTests {
    /// Removed with everything in it when the test ends.
    let directory = InspectTests.temporaryDirectory("pare-report-bounds")
    deinit { try? FileManager.default.removeItem(atPath: directory) }
    let recompile = "recompile the artifact with this version of Pare"

    /// The compiled tiny BERT rewritten with `edit` applied to its report section.
    func doctored(_ name: String, _ edit: (inout ReportState) -> Void) async throws -> String {
        let good = directory + "/good.pare"
        if !FileManager.default.fileExists(atPath: good) {
            _ = try await Compile.run(model: InspectTests.fixtures + "/tiny-bert", output: good, options: .init(recipe: "cast{dtype=f32}"))
        }
        let reader = try ArtifactReader(path: good)
        var state = try ReportState(try #require(reader.manifest.extensions["report"]), path: good)
        edit(&state)
        var manifest = reader.manifest
        manifest.extensions["report"] = try state.json()
        let frames = try manifest.tensors.map { r throws(ArtifactError) in try reader.frame(r.name) }
        let path = directory + "/" + name
        try ArtifactWriter.writeFile(manifest: manifest, frames: frames, to: path, inputs: [], level: 1)
        return path
    }

    func reportError(_ path: String) -> DriverError? {
        do {
            _ = try ArtifactTools.report(path, workload: Workload())
            return nil
        } catch {
            return error
        }
    }

    @Test func zeroHeadsInAStageAreRefused() async throws {
        var pass = ""
        let path = try await doctored("heads.pare") { state in
            pass = state.stages[0].pass
            state.stages[0].skeleton.config.headCount = 0
        }
        #expect(reportError(path) == .input(path: path, "the report's after \(pass) model is out of bounds: config.headCount is 0, outside 1…2147483647", recompile))
    }

    @Test func overflowingShapeInTheInputIsRefused() async throws {
        let path = try await doctored("shape.pare") { $0.before.embeddings.word.shape = [1 << 40, 1 << 40] }
        #expect(reportError(path) == .input(path: path, "the report's input model is out of bounds: embeddings.word.shape[0] is 1099511627776, outside 0…2147483647", recompile))
    }

    @Test func inconsistentInputIsRefusedWithTheVerifiersWords() async throws {
        var problem: Diagnostic?
        let path = try await doctored("layers.pare") { state in
            state.before.config.layerCount += 5
            problem = state.before.verify().first
        }
        let diagnostic = try #require(problem)
        #expect(reportError(path) == .input(path: path, "the report's input model is not well formed: \(diagnostic)", recompile))
    }
}
