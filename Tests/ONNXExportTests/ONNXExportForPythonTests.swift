import Foundation
import ModelIR
@testable import ONNXExport
import Testing

/// Writes exports of `TinyBERT` for scripts/onnx/check_external_data.py when PARE_ONNX_EXPORT_DIR
/// is set (skipped otherwise: no Python in `swift test`): `<form>-inline/` with the weights in
/// model.onnx and `<form>-external/` with every initializer of ≥ 1 KiB in model.onnx_data.
/// ONNX Runtime must give the same outputs for both.
@Suite struct ONNXExportForPythonTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PARE_ONNX_EXPORT_DIR"] != nil))
    func writeInlineAndExternalExports() throws {
        let root = try #require(ProcessInfo.processInfo.environment["PARE_ONNX_EXPORT_DIR"])
        for (name, form) in [("dense", TinyBERT.Form.dense), ("int8", .int8Dynamic)] {
            for (suffix, threshold) in [("inline", ONNXExport.defaultExternalDataAbove), ("external", 0)] {
                let dir = "\(root)/\(name)-\(suffix)"
                try? FileManager.default.removeItem(atPath: dir)
                try ONNXExport.write(model: TinyBERT.model(form), sourceConfig: "{}", tokenizerFiles: [:], to: dir,
                                     externalDataAbove: threshold)
            }
        }
    }
}
