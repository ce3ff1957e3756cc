import Foundation
import Testing
@testable import Artifact

/// The built `pare verify` (and `pare inspect`) on every hostile file, each in a child process
/// whose peak RSS GNU time reports: exit status 1, exactly one line `error: <the reader's error>`,
/// and a peak no higher than `pare verify` of the good file + 2 × the bad file's size + 16 MiB.
/// Each file declares 32 MiB to 4 TiB, so allocating what it declares would break that cap.
@Suite final class HostileArtifactCommandTests {
    static let binary = ArtifactFixtures.repository.path + "/.build/debug/pare"
    static let slack = 16 << 20
    static var built: Bool { FileManager.default.isExecutableFile(atPath: binary) && ChildProcess.available }

    let directory = ArtifactFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: directory) }
    let hostile: HostileArtifacts

    init() throws { hostile = try HostileArtifacts(directory: directory) }

    @Test(.enabled(if: built), arguments: HostileArtifacts.Kind.allCases)
    func verifyFailsClearlyWithinTheMemoryCap(kind: HostileArtifacts.Kind) throws {
        let c = try hostile.make(kind)
        let path = directory + "/\(kind.rawValue).pare"
        try ArtifactFixtures.writeBytes(c.bytes, to: path)
        let baseline = try ChildProcess.run(Self.binary, ["verify", hostile.good], in: directory)
        #expect(baseline.status == 0)
        let verify = try ChildProcess.run(Self.binary, ["verify", path], in: directory)
        #expect(verify.status == 1)
        #expect(verify.stderr == "error: \(c.error(path))\n")
        #expect(verify.peakRSS <= baseline.peakRSS + 2 * c.bytes.count + Self.slack,
                "peak \(verify.peakRSS >> 20) MiB, baseline \(baseline.peakRSS >> 20) MiB")
        // `inspect` reads no tensor: it fails as opening does, and passes what only decoding finds.
        let inspect = try ChildProcess.run(Self.binary, ["inspect", path], in: directory)
        switch c.stage {
        case .open: #expect(inspect.status == 1 && inspect.stderr == "error: \(c.error(path))\n")
        case .decode: #expect(inspect.status == 0 && inspect.stderr.isEmpty)
        }
        #expect(inspect.peakRSS <= baseline.peakRSS + 2 * c.bytes.count + Self.slack)
    }

    /// One flipped byte where it changes a size: M's and D's top bytes, the frame content sizes
    /// of the manifest and of embeddings.word (byte 5 of each frame, its 2-byte field's high byte),
    /// the footer's data length and its total.
    @Test(.enabled(if: built)) func flippedSizeBytesFailClearlyWithinTheMemoryCap() throws {
        let bytes = hostile.bytes, n = bytes.count
        let dataStart = hostile.dataStart
        let word = try #require(hostile.manifest.tensors.first { $0.name == "embeddings.word" })
        let offsets = [23, 30, 32 + 6, dataStart + word.offset + 6, n - 49, n - 9]
        let baseline = try ChildProcess.run(Self.binary, ["verify", hostile.good], in: directory)
        for offset in offsets {
            var damaged = bytes
            damaged[offset] ^= 0x80
            let path = directory + "/flip-\(offset).pare"
            try ArtifactFixtures.writeBytes(damaged, to: path)
            let verify = try ChildProcess.run(Self.binary, ["verify", path], in: directory)
            #expect(verify.status == 1 && verify.stderr.hasPrefix("error: \(path): "), "flip at \(offset): \(verify.stderr)")
            #expect(verify.peakRSS <= baseline.peakRSS + 2 * n + Self.slack, "flip at \(offset)")
        }
    }
}

/// A command run to its end under GNU time (`/usr/bin/time`, in the machine image), which reaps
/// it with `wait4` and reports its peak RSS. Spawned straight from the test process, a child's
/// `ru_maxrss` would start at the test process's own RSS (Linux keeps the pre-exec high-water
/// mark), hiding anything smaller; GNU time is a small process, so the figure is the command's own.
enum ChildProcess {
    static let time = "/usr/bin/time"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: time) }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        /// Peak resident set size in bytes (`%M` is in KiB).
        let peakRSS: Int
    }

    /// Runs `executable arguments` under GNU time, its stdout and stderr into files beside the
    /// time report (no pipe to drain while it runs).
    static func run(_ executable: String, _ arguments: [String], in directory: String) throws -> Result {
        let base = directory + "/child-\(UUID().uuidString)"
        let files = ["out", "err", "rss"].map { base + "." + $0 }
        defer { for f in files { try? FileManager.default.removeItem(atPath: f) } }
        for f in files.prefix(2) { FileManager.default.createFile(atPath: f, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: time)
        process.arguments = ["-f", "%M", "-o", files[2], executable] + arguments
        let handles = files.prefix(2).compactMap { FileHandle(forWritingAtPath: $0) }
        defer { for h in handles { try? h.close() } }
        (process.standardOutput, process.standardError) = (handles[0], handles[1])
        try process.run()
        process.waitUntilExit()
        let text = try files.map { try String(contentsOfFile: $0, encoding: .utf8) }
        // The report's last line is %M; a line before it says how a failing command ended.
        let kib = try #require(text[2].split(separator: "\n").last.flatMap { Int($0) })
        return Result(status: process.terminationStatus, stdout: text[0], stderr: text[1], peakRSS: kib * 1024)
    }
}
