import Artifact
import Calibration
import HuggingFace
import ModelIR
import ONNXExport
import Passes
import Runtime
import SafeTensors
import Tokenizers

/// Every failure a command can report. `description` is the text after `error: `.
public enum DriverError: Error, Equatable, Sendable, CustomStringConvertible {
    case input(path: String, String, String)
    case usage(String, String)
    case importFailed(ImportError)
    case checkpoint(SafeTensorsError)
    case runtime(RuntimeError)
    case tokenizer(TokenizerError)
    case artifact(ArtifactError)
    case pass(PassError)
    case checkFailed([Diagnostic])
    case calibration(CalibrationError)
    case onnx(ONNXExportError)

    public var description: String {
        switch self {
        case let .input(path, what, todo): "\(path): \(what); \(todo)"
        case let .usage(what, todo): "\(what); \(todo)"
        case let .importFailed(error): error.description
        case let .checkpoint(error): error.description
        case let .runtime(error): error.description
        case let .tokenizer(error): error.description
        case let .artifact(error): error.description
        case let .pass(error): error.description
        case let .calibration(error): error.description
        case let .onnx(error): error.description
        case let .checkFailed(diagnostics):
            diagnostics.filter { $0.severity == .error }.map(\.description).joined(separator: "\nerror: ")
        }
    }
}
