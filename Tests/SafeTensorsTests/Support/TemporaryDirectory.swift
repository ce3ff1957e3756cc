import Foundation

/// A fresh directory for one test, removed with everything in it when released.
final class TemporaryDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.path + "/pare-safetensors-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`
    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `path/name` and returns the full path.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) -> String {
        let target = file(name)
        let written = FileManager.default.createFile(atPath: target, contents: Data(bytes))
        precondition(written, "cannot write \(target)")
        return target
    }

    @discardableResult
    func writeText(_ text: String, to name: String) -> String { write(Array(text.utf8), to: name) }

    /// Names in the directory, sorted.
    func contents() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}
