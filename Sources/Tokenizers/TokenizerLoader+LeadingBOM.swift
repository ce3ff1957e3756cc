import Foundation

extension TokenizerLoader {
    /// `vocab` with the piece U+FEFF restored. Foundation's JSONSerialization (behind JSONValue)
    /// drops the leading U+FEFF of a JSON string, so the SentencePiece piece "\u{FEFF}" (Llama 2,
    /// Mistral) reads as "". No BPE vocabulary has an empty piece, so an empty key in a file with
    /// a string that starts with U+FEFF is that piece. (A parser that keeps the BOM never gets here.)
    static func restoringLeadingBOM(_ vocab: [String: Int], path: String) -> [String: Int] {
        guard let id = vocab[""], vocab["\u{FEFF}"] == nil, let data = FileManager.default.contents(atPath: path),
              fileHasStringStartingWithBOM(Array(data)) else { return vocab }
        var restored = vocab
        restored[""] = nil
        restored["\u{FEFF}"] = id
        return restored
    }

    /// Whether the JSON text has a string starting with U+FEFF: `"` then its UTF-8 (EF BB BF) or `\ufeff`.
    static func fileHasStringStartingWithBOM(_ bytes: [UInt8]) -> Bool {
        let raw: [UInt8] = [0x22, 0xEF, 0xBB, 0xBF]
        let escaped = Array(#""\ufeff"#.utf8)
        var i = 0
        while i + raw.count <= bytes.count {
            if bytes[i] == 0x22 {
                if bytes[(i + 1)...].starts(with: raw.dropFirst()) { return true }
                if i + escaped.count <= bytes.count,
                   zip(bytes[i..<(i + escaped.count)], escaped).allSatisfy({ $0 == $1 || ($0 | 0x20) == $1 }) { return true }
            }
            i += 1
        }
        return false
    }
}
