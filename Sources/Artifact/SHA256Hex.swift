import Crypto
import Foundation

/// Lower-case hex SHA-256 digests (64 characters).
enum SHA256Hex {
    static func of(_ bytes: UnsafeRawBufferPointer) -> String { hex(SHA256.hash(data: bytes)) }

    static func of(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { of($0) } }

    /// The 32 raw digest bytes.
    static func digest(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.withUnsafeBytes { SHA256.hash(data: $0) }) }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest { out += [digits[Int(b >> 4)], digits[Int(b & 0xF)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
