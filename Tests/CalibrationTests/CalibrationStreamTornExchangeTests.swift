import Foundation
import Testing
import HuggingFace
import ModelIR
import TensorCore
@testable import Calibration

/// What a rank does with another rank's statistics that arrive torn: rank 0 of a 2-rank job whose
/// rank 1 "sends" rank 0's own bytes as `tamper` changes them. Untouched, they decode (the
/// oracle that the harness is sound); cut short, lengthened, or with a count changed, `measure`
/// throws `tornExchange(rank: 1, block: 0)` (which ends the job through `MPI_Abort`) instead of
/// trapping or merging arrays of another width.
@Suite struct CalibrationStreamTornExchangeTests {
    final class EchoingRank: Collective, @unchecked Sendable {
        let tamper: ([UInt8]) -> [UInt8]
        init(_ tamper: @escaping ([UInt8]) -> [UInt8]) { self.tamper = tamper }
        var rank: Int { 0 }
        var size: Int { 2 }
        func allGather(_ bytes: [UInt8]) -> [[UInt8]] { [bytes, tamper(bytes)] }
        func broadcast(_ bytes: [UInt8], from root: Int) -> [UInt8] { bytes }
        func barrier() {}
        var accounting: CollectiveAccounting { CollectiveAccounting() }
    }

    /// Replaces the 8-byte integer at `offset` with `value`.
    static func setting(_ offset: Int, to value: Int) -> @Sendable ([UInt8]) -> [UInt8] {
        { bytes in
            var b = bytes
            withUnsafeBytes(of: Int64(value).littleEndian) { b.replaceSubrange(offset..<(offset + 8), with: $0) }
            return b
        }
    }

    static let request = CalibrationStream.Request(inputs: true, gram: ["mlp.down"], headScores: true, acc: true)

    static func measureBlock0(_ tamper: @escaping ([UInt8]) -> [UInt8]) throws -> BlockStatistics {
        let model = try ModelImporter.model(directory: ACCGoldenTests.fixtures + "/tiny-bert").graph
        // 20 samples in batches of 5: rank 0 owns batches 0 and 1, "rank 1" 2 and 3.
        let samples = CalibrationStreamTests.samples(20, seed: 5).map { $0.map { $0 % model.config.vocabSize } }
        var stream = try CalibrationStream(model, samples: samples, batchSize: 5, workers: 1, collective: EchoingRank(tamper))
        return try stream.measure(model.blocks[0], request: request)
    }

    @Test func untouchedBytesDecode() throws {
        let statistics = try Self.measureBlock0 { $0 }
        #expect(statistics.tokens > 0 && statistics.inputs["mlp.down"]?.gram != nil)
    }

    // The first role's name is "attention.k" (sorted): its sums' count sits at 8 + 8 + 11 + 8.
    @Test(arguments: [("cut short", { @Sendable (b: [UInt8]) in Array(b.dropLast(5)) }),
                      ("empty", { @Sendable (_: [UInt8]) in [] }),
                      ("one byte more", { @Sendable (b: [UInt8]) in b + [0] }),
                      ("negative role count", setting(0, to: -1)),
                      ("role count past the end", setting(0, to: 1 << 40)),
                      ("one array shorter", setting(35, to: 1))] as [(String, @Sendable ([UInt8]) -> [UInt8])])
    func tornBytesThrowInsteadOfTrapping(_ name: String, _ tamper: @escaping @Sendable ([UInt8]) -> [UInt8]) throws {
        #expect(throws: CalibrationError.tornExchange(rank: 1, block: 0), "\(name)") { try Self.measureBlock0(tamper) }
    }
}
