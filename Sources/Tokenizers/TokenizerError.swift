/// Everything that can be wrong with a tokenizer directory or a decode.
///
/// Each case carries what its message needs, so tests can match errors exactly. `description`
/// reads `<where>: <what happened>; <what to do>` (DESIGN §8). `field` is a dotted path into
/// tokenizer.json, e.g. `model.type` or `normalizer.normalizers[1].type`.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// None of the tokenizer files is in `directory`; `lookedFor` names what was tried, in order.
    case missingFiles(directory: String, lookedFor: [String])
    /// One file of a pair is there without the other (vocab.json without merges.txt or vice versa).
    case incompleteFiles(directory: String, found: String, missing: String)
    /// A file exists but cannot be read.
    case unreadableFile(path: String)
    /// The file is not UTF-8 JSON whose top level is an object.
    case malformedJSON(path: String)
    /// A field is missing or has the wrong shape; `expected` says what it must be.
    case invalidField(path: String, field: String, expected: String)
    /// A component type Pare does not implement; `supported` lists the ones it does.
    case unsupportedType(path: String, field: String, type: String, supported: [String])
    /// A setting whose value would tokenize differently from what Pare implements.
    case unsupportedSetting(path: String, field: String, value: String, supported: String)
    /// A token named by the configuration (unk_token, a post-processor special, half of a merge)
    /// is not in the vocabulary.
    case unknownToken(path: String, field: String, token: String)
    /// A line of vocab.txt or merges.txt that cannot be read; `line` counts from 1.
    case malformedLine(path: String, line: Int, expected: String)
    /// `decode` of an id that names no token.
    case idOutOfRange(id: Int, vocabularySize: Int)
}
