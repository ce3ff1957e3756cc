import Foundation
import TensorCore

/// Where a target writes its input, since every parser reads files: one directory per process
/// (in /dev/shm when it exists, so no disk I/O per execution), one subdirectory per input;
/// directories of processes that are gone are removed at start.
enum FuzzScratch {
    static let directory: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        // A run libFuzzer stopped at a crash never reached atexit: remove what such runs left.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix("pare-fuzz-") {
            if let pid = Int32(name.dropFirst("pare-fuzz-".count)), AtomicFile.processIsGone(pid) {
                try? FileManager.default.removeItem(atPath: base + "/" + name)
            }
        }
        let d = base + "/pare-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: FuzzScratch.directory) }
        return d
    }()

    /// Runs `body` on a fresh subdirectory holding `files` (file name → bytes) and `links` (file
    /// name → an existing file it points to), removed afterwards. Each call has its own
    /// directory, so tests may run targets concurrently.
    static func withFolder<R>(files: [String: [UInt8]], links: [String: String] = [:], _ body: (String) throws -> R) rethrows -> R {
        let d = directory + "/" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: d) }
        for (file, bytes) in files { FileManager.default.createFile(atPath: d + "/" + file, contents: Data(bytes)) }
        for (file, target) in links { try? FileManager.default.createSymbolicLink(atPath: d + "/" + file, withDestinationPath: target) }
        return try body(d)
    }
}

/// The committed fixtures the targets read beside their input (tiny-bert's weights and
/// tokenizer, for instance): `PARE_FUZZ_FIXTURES`, else Tests/Fixtures of this checkout.
enum FuzzFixtures {
    static let repository: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let directory: String = ProcessInfo.processInfo.environment["PARE_FUZZ_FIXTURES"] ?? repository + "/Tests/Fixtures"

    static func path(_ relative: String) -> String { directory + "/" + relative }

    static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }
}
