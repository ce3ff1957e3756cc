import Foundation
import Testing
@testable import Calibration

@Suite struct CalibrationLoaderTests {
    let directory: String = {
        let d = NSTemporaryDirectory() + "pare-calibration-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    func write(_ text: String, _ name: String) -> String {
        let path = directory + "/" + name
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A stand-in tokenizer: one id per word (its length), [CLS]=1 … [SEP]=2, cut to `max`.
    static func tokenize(_ text: String, _ max: Int) -> (ids: [Int], truncated: Bool) {
        let ids = [1] + text.split(separator: " ").map { 10 + $0.count } + [2]
        return ids.count > max ? (Array(ids.prefix(max - 1)) + [2], true) : (ids, false)
    }

    @Test func plainTextSkipsBlankLinesAndCountsTruncation() throws {
        let path = write("a bb ccc\n\n   \nthis line is longer than the limit allows\nlast\n", "c.txt")
        let set = try CalibrationLoader.load(path: path, samples: 10, maxLength: 5, seed: 0, vocabularySize: 100, tokenize: Self.tokenize)
        #expect(set.samples == [[1, 11, 12, 13, 2], [1, 14, 14, 12, 2], [1, 14, 2]])
        #expect(set.truncated == 1 && set.available == 3 && set.source == "c.txt")
        #expect(set.sha256.count == 64)
    }

    @Test func seededSelectionIsDeterministicAndKeepsFileOrder() throws {
        let path = write((0..<50).map { "line \($0)" }.joined(separator: "\n"), "many.txt")
        let a = try CalibrationLoader.load(path: path, samples: 8, maxLength: 16, seed: 7, vocabularySize: 100, tokenize: Self.tokenize)
        let b = try CalibrationLoader.load(path: path, samples: 8, maxLength: 16, seed: 7, vocabularySize: 100, tokenize: Self.tokenize)
        let c = try CalibrationLoader.load(path: path, samples: 8, maxLength: 16, seed: 8, vocabularySize: 100, tokenize: Self.tokenize)
        #expect(a == b && a.samples.count == 8 && a.sha256 != c.sha256)
        let picked = CalibrationLoader.choose(50, limit: 8, seed: 7)
        #expect(picked == picked.sorted() && Set(picked).count == 8)
    }

    @Test func jsonlTextAndIDs() throws {
        let path = write("{\"text\": \"a bb\"}\n{\"input_ids\": [5, 6, 7, 8, 9, 10]}\n", "c.jsonl")
        let set = try CalibrationLoader.load(path: path, samples: 10, maxLength: 4, seed: 0, vocabularySize: 100, tokenize: Self.tokenize)
        #expect(set.samples == [[1, 11, 12, 2], [5, 6, 7, 8]] && set.truncated == 1)
    }

    @Test func badInputsAreClearErrors() {
        let empty = write("\n  \n", "empty.txt")
        #expect(throws: CalibrationError.empty(path: empty)) {
            try CalibrationLoader.load(path: empty, samples: 4, maxLength: 8, seed: 0, vocabularySize: 100, tokenize: Self.tokenize)
        }
        let bad = write("{\"txt\": \"x\"}\n", "bad.jsonl")
        #expect(throws: CalibrationError.badLine(path: bad, line: 1, reason: "has neither \"text\" nor \"input_ids\"")) {
            try CalibrationLoader.load(path: bad, samples: 4, maxLength: 8, seed: 0, vocabularySize: 100, tokenize: Self.tokenize)
        }
        let range = write("{\"input_ids\": [1, 500]}\n", "range.jsonl")
        #expect(throws: CalibrationError.tokenOutOfRange(path: range, line: 1, id: 500, vocabularySize: 100)) {
            try CalibrationLoader.load(path: range, samples: 4, maxLength: 8, seed: 0, vocabularySize: 100, tokenize: Self.tokenize)
        }
        #expect(throws: CalibrationError.unreadable(path: directory + "/none.txt")) {
            try CalibrationLoader.load(path: directory + "/none.txt", samples: 4, maxLength: 8, seed: 0, vocabularySize: 100, tokenize: Self.tokenize)
        }
    }
}
