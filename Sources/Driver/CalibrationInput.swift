import Calibration
import Foundation
import ModelIR
import Tokenizers

/// Where calibration samples come from and how many: `--calibration FILE` (text or JSONL),
/// else the corpus Pare ships (`ShippedFiles.defaultCorpus`: examples/calibration/default.txt in a
/// checkout, share/pare/calibration/default.txt installed).
public struct CalibrationOptions: Sendable {
    public var path: String?
    public var samples: Int
    public var maxLength: Int
    public var seed: UInt64

    public init(path: String? = nil, samples: Int = 64, maxLength: Int = 128, seed: UInt64 = 0) {
        self.path = path
        self.samples = samples
        self.maxLength = maxLength
        self.seed = seed
    }
}

/// Reads calibration samples as every command does (`pare calibrate`, `compile`, `eval`).
public enum CalibrationInput {
    /// The samples of `options` for a model of `config`, tokenized by `tokenizer` with its
    /// specials (as transformers' `tokenizer(text)`), at most min(maxLength, maxPositions) ids each.
    public static func load(_ options: CalibrationOptions, config: ModelConfig, tokenizer: any Tokenizer) throws(DriverError) -> CalibrationSet {
        guard options.samples >= 1 else { throw .usage("--samples \(options.samples) is below 1", "pass at least one sample") }
        guard options.maxLength >= 2 else { throw .usage("--max-length \(options.maxLength) is below 2", "pass a longer limit") }
        guard let path = options.path ?? ShippedFiles.locate(ShippedFiles.defaultCorpus) else {
            throw .usage("no calibration data: \(ShippedFiles.defaultCorpus.checkout) was not found", "pass --calibration FILE (one text per line, or JSONL)")
        }
        let limit = min(options.maxLength, config.maxPositions)
        do {
            return try CalibrationLoader.load(path: path, samples: options.samples, maxLength: limit, seed: options.seed,
                                              vocabularySize: config.vocabSize) { text, maxLength in
                // The text's start, with the specials the tokenizer adds (Llama's <s>: calibration
                // sees the prompts a deployment runs).
                let encoding = tokenizer.encode(text, addSpecialTokens: true, maxLength: maxLength)
                return (encoding.ids, encoding.truncated)
            }
        } catch {
            throw .calibration(error)
        }
    }
}
