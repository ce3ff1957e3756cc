import ArgumentParser
import ONNXExport

/// What `pare export` writes (`--format`).
public enum ExportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A Hugging Face directory: config.json, model.safetensors (f32), tokenizer files.
    case hf
    /// An ONNX Runtime directory: model.onnx, config.json, tokenizer files.
    case onnx
}

extension ActivationScales: ExpressibleByArgument {}

/// `pare export --int8-activations`: ONNXExport's choice, named for the executable (which
/// imports Driver only).
public typealias ONNXActivationScales = ActivationScales
