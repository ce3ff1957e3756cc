extension TokenizerError {
    public var description: String {
        switch self {
        case let .missingFiles(directory, lookedFor):
            return "\(directory): no tokenizer files (looked for \(lookedFor.joined(separator: ", "))); "
                + "copy the model's tokenizer files next to its weights"
        case let .incompleteFiles(directory, found, missing):
            return "\(directory): \(found) without \(missing); add \(missing), or tokenizer.json"
        case let .unreadableFile(path):
            return "\(path): cannot be read; check that the file exists and is readable"
        case let .malformedJSON(path):
            return "\(path): not a UTF-8 JSON object; re-download the file"
        case let .invalidField(path, field, expected):
            return "\(path): \(field) must be \(expected); re-download the file or fix the field"
        case let .unsupportedType(path, field, type, supported):
            return "\(path): \(field) \"\(type)\" is not supported (Pare reads "
                + "\(supported.joined(separator: ", "))); use a BERT WordPiece, a byte-level BPE (GPT-2, Llama 3, Qwen2) "
                + "or a SentencePiece tokenizer (T5, Llama 2, Mistral)"
        case let .unsupportedSetting(path, field, value, supported):
            return "\(path): \(field) = \(value) is not supported (Pare reads \(supported)); "
                + "use a tokenizer without this setting"
        case let .unknownToken(path, field, token):
            return "\(path): \(field) names \"\(token)\", which is not in the vocabulary; "
                + "re-download the file or fix the field"
        case let .malformedLine(path, line, expected):
            return "\(path):\(line): expected \(expected); re-download the file"
        case let .idOutOfRange(id, vocabularySize):
            return "decode: id \(id) is not in the vocabulary (ids 0..<\(vocabularySize)); "
                + "decode only ids this tokenizer produced"
        }
    }
}
