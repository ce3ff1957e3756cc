import Crypto
import Foundation
import JSON

/// Reads calibration data: plain text (one sample per non-blank line) or JSONL (`.jsonl`, one
/// object per line with `text` or `input_ids`). Texts go through `tokenize`; when the file has
/// more lines than `samples`, a seeded shuffle picks which (kept in file order). Samples longer
/// than `maxLength` are cut to it (keeping the tokenizer's specials is the tokenize closure's job:
/// it receives the limit) and counted as truncated.
public enum CalibrationLoader {
    public static func load(path: String, samples limit: Int, maxLength: Int, seed: UInt64, vocabularySize: Int,
                            tokenize: (String, Int) -> (ids: [Int], truncated: Bool)) throws(CalibrationError) -> CalibrationSet {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { !$0.element.allSatisfy(\.isWhitespace) }
        guard !lines.isEmpty else { throw .empty(path: path) }
        let chosen = choose(lines.count, limit: limit, seed: seed).map { lines[$0] }
        let jsonl = path.hasSuffix(".jsonl")
        var samples: [[Int]] = [], truncated = 0
        for (index, line) in chosen {
            let number = index + 1
            if jsonl {
                guard let object = try? JSONParser.parse(Array(line.utf8)), object.members != nil else {
                    throw .badLine(path: path, line: number, reason: "not a JSON object")
                }
                if let text = object["text"]?.stringValue {
                    let (ids, cut) = tokenize(text, maxLength)
                    samples.append(ids)
                    truncated += cut ? 1 : 0
                } else if let elements = object["input_ids"]?.arrayValue, case let ids = elements.compactMap(\.intValue),
                          ids.count == elements.count {
                    guard !ids.isEmpty else { throw .badLine(path: path, line: number, reason: "input_ids is empty") }
                    if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
                        throw .tokenOutOfRange(path: path, line: number, id: bad, vocabularySize: vocabularySize)
                    }
                    samples.append(Array(ids.prefix(maxLength)))
                    truncated += ids.count > maxLength ? 1 : 0
                } else {
                    throw .badLine(path: path, line: number, reason: "has neither \"text\" nor \"input_ids\"")
                }
            } else {
                let (ids, cut) = tokenize(String(line), maxLength)
                samples.append(ids)
                truncated += cut ? 1 : 0
            }
        }
        return CalibrationSet(samples: samples, source: (path as NSString).lastPathComponent, sha256: digest(samples),
                              truncated: truncated, available: lines.count)
    }

    /// Indices of `limit` of `count` lines, ascending: all when limit ≥ count, else a seeded
    /// Fisher–Yates prefix (SplitMix64), so the same seed picks the same lines everywhere.
    static func choose(_ count: Int, limit: Int, seed: UInt64) -> [Int] {
        guard limit < count else { return Array(0..<count) }
        var state = seed, indices = Array(0..<count)
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for i in 0..<limit {
            let j = i + Int(next() % UInt64(count - i))
            indices.swapAt(i, j)
        }
        return indices.prefix(limit).sorted()
    }

    /// SHA-256 (hex) of the samples as little-endian Int32 ids, each sample followed by −1:
    /// identifies the exact calibration input in an artifact's provenance.
    static func digest(_ samples: [[Int]]) -> String {
        var bytes: [UInt8] = []
        for sample in samples {
            for id in sample + [-1] { withUnsafeBytes(of: Int32(truncatingIfNeeded: id).littleEndian) { bytes += $0 } }
        }
        let hex = Array("0123456789abcdef")
        return String(SHA256.hash(data: bytes).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
    }
}
