#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either nothing or the complete file: bytes go to
/// `<path>.tmp-<pid>` beside the target, are flushed, and the temporary is renamed over the
/// target only when complete. On any error the temporary is removed.
///
/// Kill safety: a process killed outright (SIGKILL, the OOM killer) leaves at most its
/// recognisable temporary, never a partial target; the next `AtomicFile` for the same target
/// removes temporaries whose process is gone. `installSignalCleanup()` makes SIGINT, SIGTERM and
/// SIGHUP remove the open temporaries at once before the process dies of the signal.
public final class AtomicFile {
    public let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var committed = false

    /// Opens the temporary file. Refuses a target listed in `inputs` (compared by resolved path).
    public init(path: String, inputs: [String] = []) throws(FileError) {
        try AtomicFile.refuseInput(path, inputs: inputs)
        self.path = path
        self.temporaryPath = "\(path).tmp-\(getpid())"
        AtomicFile.removeStaleTemporaries(of: path)
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        slot = TemporaryRegistry.add(temporaryPath)
    }

    /// This file's slot in the signal handler's registry (nil when the registry was full).
    private var slot: Int?

    /// Throws `wouldOverwriteInput` when `path` is one of `inputs` (compared by resolved path):
    /// the check `init` makes, for writers that want to refuse a target before long work.
    public static func refuseInput(_ path: String, inputs: [String]) throws(FileError) {
        let resolved = AtomicFile.resolved(path)
        if inputs.contains(where: { AtomicFile.resolved($0) == resolved }) {
            throw .wouldOverwriteInput(path: path)
        }
    }

    /// Removes `<path>.tmp-<pid>` files left by processes that no longer run (killed mid-write),
    /// and `<path>.tmp-<pid>.<suffix>` ones (other scratch files of a writer, named after it).
    static func removeStaleTemporaries(of path: String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let prefix = String(slash.map { path[path.index(after: $0)...] } ?? Substring(path)) + ".tmp-"
        guard let dir = opendir(directory.isEmpty ? "/" : directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            // The name in place, up to its NUL: a record is only as long as its name, so loading
            // `entry.pointee` (the declared 256-byte d_name) can read past the directory buffer.
            let name = String(cString: (UnsafeRawPointer(entry) + MemoryLayout<dirent>.offset(of: \.d_name)!).assumingMemoryBound(to: CChar.self))
            guard name.hasPrefix(prefix) else { continue }
            let rest = name.dropFirst(prefix.count), digits = rest.prefix { ("0"..."9").contains($0) }
            guard let pid = Int32(digits), pid != getpid(), digits.count == rest.count || rest.dropFirst(digits.count).first == "."
            else { continue }
            if processIsGone(pid) { unlink((directory.isEmpty ? "" : directory + "/") + name) }
        }
    }

    /// Whether no process `pid` runs (so files named after it are leftovers). A live process of
    /// another user counts as running.
    public static func processIsGone(_ pid: Int32) -> Bool { kill(pid, 0) == -1 && errno == ESRCH }

    /// Installs handlers for SIGINT, SIGTERM and SIGHUP that unlink every open temporary, then
    /// re-raise the signal with its default action (so the exit status says which). For the
    /// command-line tool; a library caller keeps its own handlers.
    public static func installSignalCleanup() {
        _ = TemporaryRegistry.initialized  // never initialised inside the handler
        for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, cleanupOnSignal) }
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
        slot.map(TemporaryRegistry.remove)
        slot = nil
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporaryPath) }
        slot.map(TemporaryRegistry.remove)
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

/// The open temporaries, as C strings a signal handler can unlink without allocating: a fixed
/// table of slots, each written before it is published and cleared before it is freed.
private enum TemporaryRegistry {
    static let capacity = 32
    nonisolated(unsafe) static let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    nonisolated(unsafe) static var lock = pthread_mutex_t()
    nonisolated(unsafe) static var initialized: Bool = {
        slots.initialize(repeating: nil, count: capacity)
        pthread_mutex_init(&lock, nil)
        return true
    }()

    static func add(_ path: String) -> Int? {
        _ = initialized
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        guard let i = (0..<capacity).first(where: { slots[$0] == nil }) else { return nil }
        slots[i] = strdup(path)
        return i
    }

    static func remove(_ i: Int) {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        let p = slots[i]
        slots[i] = nil
        free(p)
    }
}

/// The handler of `AtomicFile.installSignalCleanup`: async-signal-safe (unlink, signal, raise).
private func cleanupOnSignal(_ sig: Int32) {
    if TemporaryRegistry.initialized {
        for i in 0..<TemporaryRegistry.capacity { if let p = TemporaryRegistry.slots[i] { unlink(p) } }
    }
    signal(sig, SIG_DFL)
    raise(sig)
}
