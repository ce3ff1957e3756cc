import Foundation

/// A fresh directory for one test, removed with everything in it when released.
final class TemporaryDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.path + "/pare-tokenizers-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`
    func file(_ name: String) -> String { path + "/" + name }

    /// Copies `names` from `directory` into this one.
    func copy(_ names: [String], from directory: String) {
        for name in names { try! FileManager.default.copyItem(atPath: directory + "/" + name, toPath: file(name)) }
    }

    /// Writes `text` to `path/name`.
    func write(_ text: String, to name: String) {
        precondition(FileManager.default.createFile(atPath: file(name), contents: Data(text.utf8)), "cannot write \(name)")
    }

    /// Writes `bytes` to `path/name`.
    func write(_ bytes: [UInt8], to name: String) {
        precondition(FileManager.default.createFile(atPath: file(name), contents: Data(bytes)), "cannot write \(name)")
    }

    /// Writes `object` as JSON to `path/name`.
    func writeJSON(_ object: Any, to name: String) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        precondition(FileManager.default.createFile(atPath: file(name), contents: data), "cannot write \(name)")
    }
}

/// The tokenizer.json of `directory` as a mutable JSON object, for making broken variants.
func tokenizerJSON(_ directory: String) -> [String: Any] {
    let data = try! Data(contentsOf: URL(fileURLWithPath: directory + "/tokenizer.json"))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}
