#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A directory that readers see complete or not at all, as `AtomicFile` is for a file: files go
/// to `<path>.tmp-<pid>` beside it and `commit()` renames it into place. An existing file or
/// non-empty directory at `path` is never replaced (`FileError.occupied`; rename(2) replaces an
/// empty directory and fails on a non-empty one); until committed, the staging directory is
/// removed when the value goes.
public final class StagedDirectory {
    public let path: String
    private let staging: String
    private var committed = false

    /// Refuses an occupied `path`, then makes the (empty) staging directory.
    public init(path: String) throws(FileError) {
        try Self.refuseOccupied(path)
        self.path = path
        staging = "\(path).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        try Self.makeDirectory(staging, reportedAs: path)
    }

    deinit {
        if !committed { try? FileManager.default.removeItem(atPath: staging) }
    }

    /// Throws `occupied` when `path` is a file or a directory with anything in it: the check
    /// `init` makes, for writers that refuse a target before long work.
    public static func refuseOccupied(_ path: String) throws(FileError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? ["?"]
        if !isDirectory.boolValue || !contents.isEmpty { throw .occupied(path: path) }
    }

    /// `a/b.json`: non-empty components, none `.` or `..`, not absolute: a name a file may have
    /// inside the directory.
    public static func isPlainRelative(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return !name.isEmpty && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." } && !name.contains("\0")
    }

    /// Where the file `name` (a plain relative name) is staged, its parent directories made: for
    /// writers that write their own files (atomically).
    public func stagedPath(_ name: String) throws(FileError) -> String {
        let target = "\(staging)/\(name)"
        let parent = (target as NSString).deletingLastPathComponent
        if parent != staging { try Self.makeDirectory(parent, reportedAs: parent) }
        return target
    }

    /// Writes `bytes` as the file `name` (a plain relative name).
    public func write(_ bytes: [UInt8], to name: String) throws(FileError) {
        try AtomicFile.write(bytes, to: try stagedPath(name))
    }

    /// Renames the staging directory into place.
    public func commit() throws(FileError) {
        guard rename(staging, path) == 0 else {
            if errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR || errno == EISDIR { throw .occupied(path: path) }
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        committed = true
    }

    private static func makeDirectory(_ directory: String, reportedAs path: String) throws(FileError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}
