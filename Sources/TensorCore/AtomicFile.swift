#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either nothing or the complete file: bytes go to
/// `<path>.tmp-<pid>` beside the target, are flushed, and the temporary is renamed over the
/// target only when complete. On any error the temporary is removed.
public final class AtomicFile {
    public let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var committed = false

    /// Opens the temporary file. Refuses a target listed in `inputs` (compared by resolved path).
    public init(path: String, inputs: [String] = []) throws(FileError) {
        let resolved = AtomicFile.resolved(path)
        if inputs.contains(where: { AtomicFile.resolved($0) == resolved }) {
            throw .wouldOverwriteInput(path: path)
        }
        self.path = path
        self.temporaryPath = "\(path).tmp-\(getpid())"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        if let failure = AtomicFile.writeAll(fd, bytes) {
            throw .cannotWrite(path: path, reason: failure)
        }
    }

    public func write(_ bytes: [UInt8]) throws(FileError) {
        let fd = self.fd
        if let failure = bytes.withUnsafeBytes({ AtomicFile.writeAll(fd, $0) }) {
            throw .cannotWrite(path: path, reason: failure)
        }
    }

    /// Writes every byte, retrying on EINTR; returns the failure reason, nil on success.
    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> String? {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += n
        }
        return nil
    }

    /// Flushes and renames the temporary file onto `path`.
    public func commit() throws(FileError) {
        guard fsync(fd) == 0, close(fd) == 0 else {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        committed = true
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporaryPath) }
    }

    /// Canonical absolute path when the file exists, else the path as given.
    static func resolved(_ path: String) -> String {
        guard let p = realpath(path, nil) else { return path }
        defer { free(p) }
        return String(cString: p)
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String, inputs: [String] = []) throws(FileError) {
        let file = try AtomicFile(path: path, inputs: inputs)
        try file.write(bytes)
        try file.commit()
    }
}
