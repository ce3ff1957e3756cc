/// Inputs the runtime refuses, with what to do about them.
public enum RuntimeError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyBatch
    case emptySequence(sample: Int)
    case tokenOutOfVocabulary(sample: Int, position: Int, id: Int, vocabularySize: Int)
    case tokenTypeOutOfRange(sample: Int, position: Int, typeId: Int, typeVocabularySize: Int)
    case sequenceTooLong(sample: Int, length: Int, maxPositions: Int)
    case mismatchedTypeIds(sample: Int, tokens: Int, typeIds: Int)
    case unsupported(String)

    public var description: String {
        switch self {
        case .emptyBatch:
            "input: no sequences; pass at least one text"
        case let .emptySequence(sample):
            "input \(sample): no tokens; pass a non-empty text"
        case let .tokenOutOfVocabulary(sample, position, id, vocabularySize):
            "input \(sample), position \(position): token id \(id) is outside the vocabulary (0..<\(vocabularySize)); use ids from this model's tokenizer"
        case let .tokenTypeOutOfRange(sample, position, typeId, typeVocabularySize):
            "input \(sample), position \(position): token type \(typeId) is outside 0..<\(typeVocabularySize); use segment ids the model was trained with"
        case let .sequenceTooLong(sample, length, maxPositions):
            "input \(sample): \(length) tokens exceed the model's \(maxPositions) positions; truncate the text"
        case let .mismatchedTypeIds(sample, tokens, typeIds):
            "input \(sample): \(tokens) tokens but \(typeIds) token type ids; pass one type id per token"
        case let .unsupported(what):
            "model: \(what)"
        }
    }
}
