#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TensorCore

/// Compressed frames parked on disk until the manifest, which precedes them in the artifact, is
/// known; then copied out in any order, a bounded buffer at a time.
///
/// The spool is an anonymous file beside the artifact (same file system, never a RAM-backed
/// /tmp): `mkstemp` creates `<path>.tmp-<pid>.spool-XXXXXX` and it is unlinked at once, so only
/// the open descriptor keeps it and it disappears when closed or when the process dies, however
/// it dies. Should the process be killed in the microseconds between the two calls, the name
/// left is one `AtomicFile` removes as a stale temporary on the next write to `path`.
///
/// Layout: frames back to back in arrival order; callers keep each frame's (offset, length).
/// Errors name `path`, the artifact being written (the spool has no name).
final class FrameSpool {
    let path: String
    private var fd: Int32
    /// Bytes written so far: the offset of the next frame.
    private(set) var end = 0

    /// Largest copy buffer: 4 MiB.
    static let chunkBytes = 4 << 20

    init(beside path: String) throws(FileError) {
        self.path = path
        var template = Array("\(path).tmp-\(getpid()).spool-XXXXXX".utf8CString)
        fd = mkstemp(&template)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        unlink(template)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    /// Appends `frame`; returns its offset.
    func append(_ frame: [UInt8]) throws(FileError) -> Int {
        let offset = end
        var done = 0
        let failure: String? = frame.withUnsafeBytes { bytes in
            while done < bytes.count {
                let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                done += n
            }
            return nil
        }
        if let failure { throw .cannotWrite(path: path, reason: failure) }
        end += frame.count
        return offset
    }

    /// Forgets everything from `offset` on (the next frame overwrites it).
    func rewind(to offset: Int) { end = min(end, offset) }

    /// Reads `range` back in chunks of at most `chunkBytes` and hands each to `body`.
    func copy(_ ranges: [Range<Int>], to body: (UnsafeRawBufferPointer) throws(FileError) -> Void) throws(FileError) {
        let size = min(FrameSpool.chunkBytes, ranges.map(\.count).max() ?? 0)
        guard size > 0 else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        for range in ranges {
            var at = range.lowerBound
            while at < range.upperBound {
                let n = pread(fd, buffer.baseAddress!, min(size, range.upperBound - at), off_t(at))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    let reason = n == 0 ? "frame spool ends at \(at), expected \(range.upperBound)" : String(cString: strerror(errno))
                    throw .cannotWrite(path: path, reason: "reading back the frame spool: " + reason)
                }
                try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                at += n
            }
        }
    }

    /// Closes (and so frees) the spool; idempotent.
    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
