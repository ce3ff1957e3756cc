import Foundation

/// Calibration samples as token ids, chosen deterministically from a text or JSONL file.
public struct CalibrationSet: Sendable, Equatable {
    /// Token ids per sample, specials included, each at most `maxLength` long.
    public var samples: [[Int]]
    /// Where they came from (file name only) and the SHA-256 of the exact samples used.
    public var source: String
    public var sha256: String
    /// Samples that were longer than `maxLength` and cut.
    public var truncated: Int
    /// Lines in the file (after skipping blank ones).
    public var available: Int

    public init(samples: [[Int]], source: String, sha256: String, truncated: Int, available: Int) {
        self.samples = samples
        self.source = source
        self.sha256 = sha256
        self.truncated = truncated
        self.available = available
    }
}

/// Why calibration data could not be read.
public enum CalibrationError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String)
    case empty(path: String)
    case badLine(path: String, line: Int, reason: String)
    case tokenOutOfRange(path: String, line: Int, id: Int, vocabularySize: Int)
    /// Another rank's statistics of a block arrived truncated or corrupt (`CalibrationStream` on several ranks).
    case tornExchange(rank: Int, block: Int)

    public var description: String {
        switch self {
        case let .unreadable(path): "\(path): cannot read it as UTF-8 text; pass a text file (one sample per line) or JSONL"
        case let .empty(path): "\(path): no samples (the file has no non-blank line); add calibration text, one sample per line"
        case let .badLine(path, line, reason): "\(path):\(line): \(reason); each JSONL line must be {\"text\": \"...\"} or {\"input_ids\": [...]}"
        case let .tokenOutOfRange(path, line, id, size): "\(path):\(line): token id \(id) is outside the vocabulary (0..<\(size)); use this model's tokenizer"
        case let .tornExchange(rank, block):
            "block \(block): the calibration statistics received from rank \(rank) are truncated or corrupt (ranks running different pare builds?); run the same pare build on every rank"
        }
    }
}
