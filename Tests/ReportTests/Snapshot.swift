import Foundation
import Testing

/// Golden files in `Snapshots/` next to this file. `RECORD_SNAPSHOTS=1` rewrites them (the test
/// still passes); otherwise the text must match exactly, and a mismatch shows the first
/// differing lines.
enum Snapshot {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" }

    static func check(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name)
        if recording {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url)
            return
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            Issue.record("missing snapshot Snapshots/\(name); record it with RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        if expected != actual {
            let message = "Snapshots/\(name) differs (re-record with RECORD_SNAPSHOTS=1 if intended):\n"
                + diff(expected: expected, actual: actual)
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
    }

    /// The lines around the first difference, `-` expected and `+` actual, with line numbers.
    static func diff(expected: String, actual: String, context: Int = 2, shown: Int = 8) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
        var out = ["@@ line \(first + 1) (expected \(e.count) lines, actual \(a.count)) @@"]
        for i in max(0, first - context)..<first { out.append("  \(i + 1): \(e[i])") }
        for i in first..<min(e.count, first + shown) { out.append("- \(i + 1): \(e[i])") }
        for i in first..<min(a.count, first + shown) { out.append("+ \(i + 1): \(a[i])") }
        return out.joined(separator: "\n")
    }
}
