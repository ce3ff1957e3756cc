import Foundation
import ModelIR
import HuggingFace
import Testing
import TensorCore
@testable import Artifact

/// With `PARE_ARTIFACT_TIMING=1`, writes all-MiniLM-L6-v2 (f32, and converted to bf16) at
/// several zstd levels and prints size, ratio and times: how the default level was chosen.
/// Not a pass/fail test beyond round-tripping. Run it in release (the test target uses
/// `@testable`, hence `-enable-testing`):
///
///     swift build -c release --build-tests -Xswiftc -enable-testing
///     PARE_ARTIFACT_TIMING=1 swift test -c release -Xswiftc -enable-testing --skip-build --filter ArtifactTimingTests
///
/// `PARE_ARTIFACT_LEVELS=1,9` and `PARE_ARTIFACT_DTYPES=f32` narrow the sweep.
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
        let f32 = ArtifactFixtures.owned(try ModelImporter.model(directory: ArtifactFixtures.miniLM).graph)
        let dir = ArtifactFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ProcessInfo.processInfo.environment
        let levels = (env["PARE_ARTIFACT_LEVELS"] ?? "1,3,6,9,12,19").split(separator: ",").compactMap { Int($0) }
        let dtypes = (env["PARE_ARTIFACT_DTYPES"] ?? "f32,bf16").split(separator: ",").compactMap { DType(rawValue: String($0)) }
        print("all-MiniLM-L6-v2: \(f32.namedTensors.count) tensors, \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
        print("dtype level shuffle workers      bytes  ratio  write s  read+verify s")
        for dtype in dtypes {
            let model = dtype == .f32 ? f32 : f32.map { $0.converted(to: dtype) }
            let raw = model.byteCount
            print("\(dtype.rawValue): \(raw) tensor bytes")
            for level in levels {
                var runs = [(true, 0)]
                if level == 3 || level == 9 { runs += [(false, 0), (true, 1)] }
                for (shuffle, workers) in runs {
                    let path = dir + "/m.pare"
                    let options = ArtifactWriter.Options(level: level, workers: workers, shuffleFloats: shuffle, rawFrameMinBytes: .max)
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
                    print(String(format: "%5@ %5d %7@ %7d %10d %6.4f %8.2f %14.2f", dtype.rawValue, level, "\(shuffle)",
                                 workers, bytes, Double(raw) / Double(bytes), write, read))
                    try FileManager.default.removeItem(atPath: path)
                }
            }
        }
    }
}
