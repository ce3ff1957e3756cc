import Foundation

/// Makes the tokenizer of a model directory, from the first of these that is there:
/// `tokenizer.json` (Hugging Face `tokenizers`' full description), `vocab.txt` (a BERT WordPiece
/// vocabulary, with BERT's uncased settings), `vocab.json` + `merges.txt` (a GPT-2 byte-level BPE).
/// `tokenizer_config.json`, when present, names the special tokens and, for the vocabulary
/// files, gives `do_lower_case`, `strip_accents`, `tokenize_chinese_chars`, `add_prefix_space`;
/// with a Llama-family `tokenizer_class`, its `add_bos_token` / `add_eos_token` decide the specials
/// around a text, as transformers does.
///
/// tokenizer.json's `truncation` and `padding` are ignored: callers pass `maxLength` to `encode`.
/// Settings that would tokenize differently from what Pare implements are refused with an error.
public enum TokenizerLoader {
    /// What `load(directory:)` looks for, in order.
    public static let lookedFor = ["tokenizer.json", "vocab.txt", "vocab.json + merges.txt"]

    public static func load(directory: String) throws(TokenizerError) -> any Tokenizer {
        let file = { (name: String) in URL(fileURLWithPath: directory).appendingPathComponent(name).path }
        let exists = { (name: String) in FileManager.default.fileExists(atPath: file(name)) }
        let config = exists("tokenizer_config.json") ? try TokenizerConfig.read(path: file("tokenizer_config.json")) : nil
        if exists("tokenizer.json") {
            return try load(tokenizerJSON: file("tokenizer.json"), config: config)
        }
        if exists("vocab.txt") {
            return try load(vocabTxt: file("vocab.txt"), config: config)
        }
        switch (exists("vocab.json"), exists("merges.txt")) {
        case (true, true):
            return try load(vocabJSON: file("vocab.json"), merges: file("merges.txt"), config: config)
        case (true, false):
            throw .incompleteFiles(directory: directory, found: "vocab.json", missing: "merges.txt")
        case (false, true):
            throw .incompleteFiles(directory: directory, found: "merges.txt", missing: "vocab.json")
        case (false, false):
            throw .missingFiles(directory: directory, lookedFor: lookedFor)
        }
    }
}
