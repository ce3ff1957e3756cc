import Calibration
import Foundation
import HuggingFace
import ModelIR
import Passes
import TensorCore
import Tokenizers

/// What a compile reads before its steps run: the model (weights mapped), the tokenized
/// calibration samples when a step reads calibration data, and the PEFT adapters of `--adapter`.
/// Every rank reads them from shared storage, or rank 0 alone does and sends them
/// (`WeightBroadcast`, `--broadcast-weights`).
struct CompileInputs: Sendable {
    var model: Model
    /// The recipe's canonical text form (`Pipeline.canonicalRecipe`).
    var recipe: String
    var calibration: CalibrationSet?
    var adapters: [LoRAAdapter]

    /// Reads the inputs of `pipeline` on the model in `directory` from storage.
    static func read(directory: String, pipeline: Pipeline, options: Compile.Options,
                     progress: (String) -> Void) throws(DriverError) -> CompileInputs {
        let imported: ImportedModel<Tensor>
        do { imported = try ModelImporter.model(directory: directory) } catch { throw .importFailed(error) }
        let model = imported.graph
        var calibration: CalibrationSet?
        if pipeline.needsCalibration {
            progress("tokenizing calibration samples")
            let tokenizer: any Tokenizer
            do { tokenizer = try TokenizerLoader.load(directory: directory) } catch { throw .tokenizer(error) }
            calibration = try CalibrationInput.load(options.calibration, config: model.config, tokenizer: tokenizer)
        }
        var adapters: [LoRAAdapter] = []
        for argument in options.adapters {
            let (adapterDirectory, weight) = PEFTAdapterImporter.parse(argument)
            do {
                adapters.append(try PEFTAdapterImporter.adapter(directory: adapterDirectory, weight: weight ?? 1, for: model.skeleton))
            } catch {
                throw .checkFailed([Diagnostic(.error, at: "--adapter", error.description)])
            }
        }
        return CompileInputs(model: model, recipe: pipeline.canonicalRecipe.description, calibration: calibration, adapters: adapters)
    }
}
