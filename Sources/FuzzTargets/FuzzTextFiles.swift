import Driver
import Foundation
import HuggingFace
import ModelIR
import Passes
import Tokenizers

/// The targets whose input is text a user writes or downloads: tokenizers, recipes and
/// calibration data.
enum FuzzTextFiles {
    /// Texts every fuzzed tokenizer encodes: ASCII, accents and combining marks, CJK, emoji,
    /// control characters, blanks, and one long word.
    static let texts = ["Hello, world!", "Pare compresses transformer checkpoints.", "naïve cafe\u{301} Zürich",
                        "東京は晴れ 🙂👍🏽", "", "   \t\n", "a\u{0}b\u{7F}c\u{200B}d", String(repeating: "x", count: 300)]

    /// The input as `tokenizer.json`; every text encoded with and without specials and cut to
    /// 8 ids, the ids checked to lie in `0..<vocabularySize`, then decoded.
    static func tokenizer(_ input: [UInt8]) -> FuzzTarget.Outcome {
        FuzzScratch.withFolder(files: ["tokenizer.json": input]) { directory in .of {
            let tokenizer = try TokenizerLoader.load(directory: directory)
            let specialsAlone = tokenizer.encode("", addSpecialTokens: true, maxLength: nil).ids.count
            let settings: [(specials: Bool, limit: Int?)] = [(true, nil), (false, nil), (true, 8)]
            for text in texts {
                for (specials, limit) in settings {
                    let encoding = tokenizer.encode(text, addSpecialTokens: specials, maxLength: limit)
                    precondition(encoding.ids.allSatisfy { (0..<tokenizer.vocabularySize).contains($0) },
                                 "an id outside 0..<\(tokenizer.vocabularySize) for \(text.debugDescription)")
                    if let limit {
                        precondition(encoding.ids.count <= max(limit, specialsAlone), "more than \(limit) ids for \(text.debugDescription)")
                    }
                    _ = try? tokenizer.decode(encoding.ids)
                }
            }
        } }
    }

    /// A recipe: the file form (YAML or JSON) when the input has a line break or starts with `{`,
    /// else the CLI text form. An accepted recipe resolves to a pipeline, and its canonical
    /// YAML reads back to the same recipe.
    static func recipe(_ input: [UInt8]) -> FuzzTarget.Outcome {
        let text = String(decoding: input, as: UTF8.self)
        let fileForm = text.contains("\n") || text.hasPrefix("{")
        return .of {
            let recipe = fileForm ? try RecipeLoader.parse(text, source: "fuzz.yaml") : try RecipeText.parse(text)
            let pipeline = try Pipeline(recipe: recipe)
            let canonical = pipeline.canonicalRecipe
            let again = try RecipeLoader.parse(RecipeLoader.yaml(canonical), source: "canonical.yaml")
            precondition(again == canonical, "the canonical YAML of a recipe does not read back to it")
        }
    }

    /// tiny-bert's config and tokenizer, which calibration text is read for.
    static let tinyBERT: (config: ModelConfig, tokenizer: any Tokenizer)? = {
        let directory = FuzzFixtures.path("tiny-bert")
        guard let config = try? ModelImporter.config(directory: directory),
              let tokenizer = try? TokenizerLoader.load(directory: directory) else { return nil }
        return (config, tokenizer)
    }()

    /// Calibration data (JSONL when the input starts with `{`, else text, one sample per line),
    /// 8 samples of at most 32 ids, loaded by `CalibrationInput` as `pare calibrate` loads it.
    static func calibration(_ input: [UInt8]) -> FuzzTarget.Outcome {
        guard let (config, tokenizer) = tinyBERT else { fatalError("pare-fuzz: tiny-bert fixture not found under \(FuzzFixtures.directory)") }
        let name = input.first == UInt8(ascii: "{") ? "calibration.jsonl" : "calibration.txt"
        return FuzzScratch.withFolder(files: [name: input]) { directory in .of {
            let options = CalibrationOptions(path: directory + "/" + name, samples: 8, maxLength: 32)
            let set = try CalibrationInput.load(options, config: config, tokenizer: tokenizer)
            precondition(set.samples.allSatisfy { $0.count <= 32 && $0.allSatisfy { (0..<config.vocabSize).contains($0) } },
                         "a calibration sample longer than 32 ids or with an id out of range")
        } }
    }
}
