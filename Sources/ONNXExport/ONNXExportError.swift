import TensorCore

/// Why a model could not be exported to ONNX. `description` is the text after `error: `:
/// where, what happened, what to do.
public enum ONNXExportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model's family or layout has no ONNX graph here yet (BERT-style encoders and pre-norm
    /// causal LMs, GPT-2 and the Llama family, do).
    case unsupportedModel(path: String, reason: String)
    /// One linear's weight form cannot be written as ONNX Runtime runs it.
    case unsupportedForm(path: String, tensor: String, reason: String)
    /// The target exists and is a file or a non-empty directory.
    case targetExists(path: String)
    /// A tokenizer file name that is absolute, climbs out with `..`, or collides with an output.
    case invalidFileName(path: String, name: String)
    case file(FileError)

    public var description: String {
        switch self {
        case let .unsupportedModel(path, reason):
            "\(path): cannot export to ONNX: \(reason); export a BERT-family encoder, a GPT-2/Llama-family decoder or a T5 encoder-decoder, or use `pare export` without --format onnx"
        case let .unsupportedForm(path, tensor, reason):
            "\(path): cannot export \(tensor) to ONNX: \(reason); recompile without that form for this layer, or file an issue"
        case let .targetExists(path):
            "\(path): already exists and is not an empty directory; choose a new output directory"
        case let .invalidFileName(path, name):
            "\(path): tokenizer file name \(name.debugDescription) is not a plain relative name or collides with an output; recompile the artifact"
        case let .file(error):
            error.description
        }
    }
}
