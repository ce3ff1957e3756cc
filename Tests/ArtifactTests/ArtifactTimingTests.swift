import Foundation
import ModelIR
import ModelImport
import Testing
import TensorCore
@testable import Artifact

/// With `PARE_ARTIFACT_TIMING=1` (and a release build: `swift test -c release`), writes
/// all-MiniLM-L6-v2 at several zstd levels and prints size, ratio and times; how the default
/// level was chosen. Not a pass/fail test beyond round-tripping.
@Suite struct ArtifactTimingTests {
    static let enabled = ProcessInfo.processInfo.environment["PARE_ARTIFACT_TIMING"] == "1"
        && FileManager.default.fileExists(atPath: ArtifactFixtures.miniLM + "/model.safetensors")

    func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test(.enabled(if: enabled))
    func miniLMSizeAndTimeByLevel() throws {
        let model = ArtifactFixtures.owned(try ModelImporter.model(directory: ArtifactFixtures.miniLM).graph)
        let raw = model.byteCount
        let dir = ArtifactFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let levels = (ProcessInfo.processInfo.environment["PARE_ARTIFACT_LEVELS"] ?? "1,3,6,9,12,15,19")
            .split(separator: ",").compactMap { Int($0) }
        let cpus = ProcessInfo.processInfo.activeProcessorCount
        print("all-MiniLM-L6-v2: \(raw) tensor bytes, \(model.namedTensors.count) tensors, \(cpus) CPUs")
        print("level shuffle workers      bytes  ratio  write s  read+verify s")
        for level in levels {
            for (shuffle, workers) in [(true, 0), (false, 0), (true, 1)] where shuffle || level == 9 || level == 3 {
                if workers == 1 && level != 9 { continue }
                let path = dir + "/l\(level)-\(shuffle)-\(workers).pare"
                let options = ArtifactWriter.Options(level: level, workers: workers, shuffleFloats: shuffle)
                let write = try seconds {
                    _ = try ArtifactWriter.write(model: model, sourceConfig: "{}", tokenizerFiles: [:], passLog: [],
                                                 provenance: .init(inputs: [], recipe: "", seed: 0), extensions: [:],
                                                 to: path, inputs: [], options: options)
                }
                var bytes = 0
                let read = try seconds {
                    let reader = try ArtifactReader(path: path)
                    bytes = reader.fileBytes
                    #expect(reader.verify().isEmpty)
                }
                print(String(format: "%5d %7@ %7d %10d %6.4f %8.2f %14.2f", level, "\(shuffle)", workers, bytes,
                             Double(raw) / Double(bytes), write, read))
                try FileManager.default.removeItem(atPath: path)
            }
        }
    }
}
