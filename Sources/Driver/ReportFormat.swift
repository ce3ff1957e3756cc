import ArgumentParser
import ONNXExport
import Report

/// A report's rendering (`--format`).
public enum ReportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case md, json, html

    /// `report` in this format.
    public func render(_ report: Report) -> String {
        switch self {
        case .md: report.markdown()
        case .json: report.json()
        case .html: report.html()
        }
    }
}

/// What `pare export` writes (`--format`).
public enum ExportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A Hugging Face directory: config.json, model.safetensors (f32), tokenizer files.
    case hf
    /// An ONNX Runtime directory: model.onnx, config.json, tokenizer files.
    case onnx
}

extension ActivationScales: ExpressibleByArgument {}

/// `pare export --int8-activations`: ONNXExport's choice, named for the executable.
public typealias ONNXActivationScales = ActivationScales
