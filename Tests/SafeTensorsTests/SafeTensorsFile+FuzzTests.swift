import Foundation
import Testing
import TensorCore
@testable import SafeTensors

/// Seeded robustness test: mutated copies of a valid file either open with every entry in bounds
/// and correctly sized, or throw a `SafeTensorsError` — never trap. The generator is a fixed LCG
/// (Knuth's MMIX constants), so every run checks the same 2000 files.
@Suite struct SafeTensorsFileFuzzTests {
    let dir = TemporaryDirectory()

    /// x ← 6364136223846793005·x + 1442695040888963407 (mod 2⁶⁴); high bits are returned.
    struct LCG {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 29
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// Bytes that steer mutations toward interesting JSON: structure, digits, signs, escapes.
    static let interesting = Array(#"{}[]",:0123456789-+.eE\u "#.utf8) + [0x00, 0xFF, 0x80]

    /// One to three mutations: bit flip, byte replaced by an interesting one, byte inserted or
    /// deleted (shifts the header against its declared length), truncation.
    static func mutate(_ original: [UInt8], _ rng: inout LCG) -> [UInt8] {
        var bytes = original
        for _ in 0..<(1 + rng.below(3)) where !bytes.isEmpty {
            // Two thirds of the positions fall in the length prefix and header, where parsing happens.
            let headerEnd = min(bytes.count, 8 + 120)
            let i = rng.below(3) < 2 ? rng.below(headerEnd) : rng.below(bytes.count)
            switch rng.below(5) {
            case 0: bytes[i] ^= 1 << UInt8(rng.below(8))
            case 1: bytes[i] = interesting[rng.below(interesting.count)]
            case 2: bytes.insert(interesting[rng.below(interesting.count)], at: i)
            case 3: bytes.remove(at: i)
            default: bytes.removeLast(rng.below(bytes.count + 1))
            }
        }
        return bytes
    }

    @Test func mutatedFilesOpenSafelyOrThrow() throws {
        let seed = dir.file("seed.safetensors")
        try SafeTensorsWriter.write(
            ["a": patternTensor(.f32, [2, 3]), "b": patternTensor(.i64, [1]), "c": patternTensor(.u8, [0, 4]),
             "d": patternTensor(.bf16, [5], seed: 3)],
            metadata: ["format": "pt"], to: seed)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seed)))
        var rng = LCG(state: 0x5EED_0F_BA5E)
        var opened = 0
        var rejected = 0
        let path = dir.file("mutant.safetensors")
        for iteration in 0..<2000 {
            dir.write(Self.mutate(original, &rng), to: "mutant.safetensors")
            do {
                let file = try SafeTensorsFile(path: path)
                opened += 1
                var end = 8 + file.headerByteCount
                for entry in file.entries.sorted(by: { $0.dataRange.lowerBound < $1.dataRange.lowerBound }) {
                    #expect(entry.dataRange.lowerBound >= 8 + file.headerByteCount, "iteration \(iteration)")
                    #expect(entry.dataRange.upperBound <= file.file.count, "iteration \(iteration)")
                    #expect(entry.dataRange.count == entry.shape.count * entry.dtype.size, "iteration \(iteration)")
                    end = max(end, entry.dataRange.upperBound)
                    let tensor = try file.tensor(entry.name)
                    _ = tensor.withUnsafeBytes { $0.reduce(0, &+) }  // touch every byte
                }
                #expect(end == file.file.count, "iteration \(iteration)")
            } catch {
                rejected += 1
                #expect(error.description.hasPrefix(path + ": "), "iteration \(iteration): \(error)")
            }
        }
        // Both outcomes must occur, or the mutations are not exercising the reader
        // (at the time of writing: 31 opened, 1969 rejected).
        #expect(opened > 20)
        #expect(rejected > 1000)
    }
}
