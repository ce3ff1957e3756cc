import ModelIR
import SafeTensors
import TensorCore

/// Why a checkpoint could not be imported. Each case names the file or tensor, what was wrong
/// and what to do.
public enum ImportError: Error, Equatable, Sendable, CustomStringConvertible {
    case notADirectory(path: String)
    case configMissing(path: String)
    case configInvalid(path: String, reason: String)
    case unsupportedModelType(path: String, modelType: String)
    case unsupportedSetting(path: String, key: String, value: String, supported: String)
    case missingTensor(name: String, expected: String, directory: String)
    case wrongShape(name: String, found: Shape, expected: Shape)
    case notFloatingPoint(name: String, dtype: DType)
    case unusedTensors(names: [String], directory: String)
    case invalidGraph([Diagnostic])
    case checkpoint(SafeTensorsError)

    public var description: String {
        switch self {
        case let .notADirectory(path):
            return "\(path): not a model directory; pass a Hugging Face checkpoint folder with config.json and *.safetensors"
        case let .configMissing(path):
            return "\(path): no config.json; pass a Hugging Face checkpoint folder (config.json + model.safetensors)"
        case let .configInvalid(path, reason):
            return "\(path): \(reason); fix config.json or re-export the checkpoint with transformers"
        case let .unsupportedModelType(path, modelType):
            let known = Architecture.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(path): model_type '\(modelType)' is not supported; Pare imports \(known)"
        case let .unsupportedSetting(path, key, value, supported):
            return "\(path): \(key) = \(value) is not supported; use \(supported)"
        case let .missingTensor(name, expected, directory):
            return "\(directory): tensor '\(name)' is missing (expected \(expected)); the checkpoint is incomplete or not of the architecture config.json names"
        case let .wrongShape(name, found, expected):
            return "tensor '\(name)': shape \(found), expected \(expected) from config.json; the weights do not match the config"
        case let .notFloatingPoint(name, dtype):
            return "tensor '\(name)': dtype \(dtype.rawValue), expected a floating-point weight; re-export the checkpoint in f32, f16 or bf16"
        case let .unusedTensors(names, directory):
            let shown = names.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            let more = names.count > 8 ? " and \(names.count - 8) more" : ""
            return "\(directory): \(names.count) tensor(s) not used by the \(ImportError.modelWord) import: \(shown)\(more); "
                + "Pare does not silently drop weights: remove them or use a supported head"
        case let .invalidGraph(diagnostics):
            return diagnostics.map(\.description).joined(separator: "\n")
        case let .checkpoint(error):
            return error.description
        }
    }

    private static let modelWord = "model"
}
