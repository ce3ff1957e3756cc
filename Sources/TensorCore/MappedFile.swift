#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only. Pages are read from disk only when touched, so reading a
/// header never reads the weights. Immutable after init, hence `Sendable`.
public final class MappedFile: Sendable {
    public let path: String
    public let count: Int
    /// Read-only for the object's lifetime, so sharing across threads is safe.
    nonisolated(unsafe) private let address: UnsafeRawPointer?
    /// Why this process does not hold the bytes (`init(absent:reason:)`); nil for a mapped file.
    private let absence: String?

    public init(path: String) throws(FileError) {
        self.path = path
        absence = nil
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile(path: path) }
        count = Int(status.st_size)
        if count == 0 {
            address = nil
            return
        }
        guard let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "mmap failed: " + String(cString: strerror(errno)))
        }
        address = UnsafeRawPointer(p)
    }

    /// A stand-in for `count` bytes this process does not hold, with nothing mapped: reading them
    /// stops the process with `reason` (a bug: the code read weights it was never sent), and
    /// `discard` does nothing. What ranks other than 0 hold for the weights rank 0 has not
    /// broadcast to them (`pare compile --broadcast-weights`).
    public init(absent count: Int, reason: String) {
        path = "<absent>"
        self.count = count
        address = nil
        absence = reason
    }

    deinit {
        if let address { munmap(UnsafeMutableRawPointer(mutating: address), count) }
    }

    /// Bytes `range` of the file. The caller has checked `range` against `count`.
    public func withBytes<R>(
        in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside \(path)")
        if let absence { preconditionFailure(absence) }
        guard let address else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: address + range.lowerBound, count: range.count))
    }

    /// Gives the resident pages of bytes `range` back to the kernel (`madvise(MADV_DONTNEED)` on
    /// the whole pages inside it): the mapping stays valid and a later read fetches them again
    /// from the page cache or disk. What a layer-by-layer compile does with a block it is done with.
    public func discard(_ range: Range<Int>) {
        guard let address, range.lowerBound >= 0, range.upperBound <= count else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page, end = range.upperBound / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: address + start), end - start, Int32(MADV_DONTNEED))
    }
}

extension MappedFile {
    /// Starts reading bytes `range` from disk into the page cache in the background
    /// (`madvise(MADV_WILLNEED)` on the pages it covers), so first touches find them there.
    public func willNeed(_ range: Range<Int>) {
        guard let address, range.lowerBound >= 0, range.upperBound <= count, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page
        _ = madvise(UnsafeMutableRawPointer(mutating: address + start), range.upperBound - start, Int32(MADV_WILLNEED))
    }
}

extension TensorStorage {
    /// Gives a mapped tensor's pages back to the kernel (`MappedFile.discard`); owned bytes stay.
    public func discardMappedPages() {
        if case let .mapped(file, range) = self { file.discard(range) }
    }
}
