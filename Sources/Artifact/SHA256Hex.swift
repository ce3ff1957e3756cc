import Crypto
import Foundation
import TensorCore

/// Lower-case hex SHA-256 digests (64 characters).
enum SHA256Hex {
    static func of(_ bytes: UnsafeRawBufferPointer) -> String { hex(SHA256.hash(data: bytes)) }

    static func of(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { of($0) } }

    /// The digest of a whole mapped file, read 16 MiB at a time with each window's pages given
    /// back once hashed: hashing a checkpoint does not make it resident.
    static func of(_ file: MappedFile) -> String {
        var hasher = SHA256()
        let window = 16 << 20
        var start = 0
        while start < file.count {
            let range = start..<min(start + window, file.count)
            file.withBytes(in: range) { hasher.update(bufferPointer: $0) }
            file.discard(range)
            start = range.upperBound
        }
        return hex(hasher.finalize())
    }

    /// The 32 raw digest bytes.
    static func digest(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.withUnsafeBytes { SHA256.hash(data: $0) }) }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest { out += [digits[Int(b >> 4)], digits[Int(b & 0xF)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
