import Foundation
import Testing
import HuggingFace
import ModelIR
import TensorCore
@testable import Calibration

/// The stream split over ranks against its oracle, one process: N ranks (threads of this process
/// meeting in `ThreadRanks`, the `Collective` seam without MPI) each carry their share of the
/// batches, and every rank measures the bits one process measures (input sums, Gram matrices,
/// head sums, ACC, tokens) for 1…4 ranks, more ranks than batches included.
@Suite struct CalibrationStreamRanksTests {
    /// `size` ranks as threads: `allGather` returns when every rank has put its bytes on the board.
    final class ThreadRanks: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var board: [[UInt8]?]
        private var generation = 0, arrived = 0
        private var last: [[UInt8]] = []

        init(size: Int) {
            self.size = size
            board = Array(repeating: nil, count: size)
        }

        func gather(_ bytes: [UInt8], rank: Int) -> [[UInt8]] {
            condition.lock()
            defer { condition.unlock() }
            let mine = generation
            board[rank] = bytes
            arrived += 1
            if arrived == size {
                last = board.map { $0! }
                board = Array(repeating: nil, count: size)
                arrived = 0
                generation += 1
                condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
            return last
        }
    }

    final class Rank: Collective, @unchecked Sendable {
        let rank: Int
        let ranks: ThreadRanks
        init(_ rank: Int, _ ranks: ThreadRanks) {
            self.rank = rank
            self.ranks = ranks
        }
        var size: Int { ranks.size }
        func allGather(_ bytes: [UInt8]) -> [[UInt8]] { ranks.gather(bytes, rank: rank) }
        func broadcast(_ bytes: [UInt8], from root: Int) -> [UInt8] { ranks.gather(bytes, rank: rank)[root] }
        func barrier() { _ = ranks.gather([], rank: rank) }
        var accounting: CollectiveAccounting { CollectiveAccounting() }
    }

    static func measure(_ model: Model, _ samples: [[Int]], collective: any Collective) throws -> [BlockStatistics] {
        var stream = try CalibrationStream(model, samples: samples, batchSize: 5, workers: 2, collective: collective)
        let request = CalibrationStream.Request(inputs: true, gram: ["mlp.down", "attention.o"], headScores: true, acc: true)
        return try model.blocks.map { try stream.measure($0, request: request) }
    }

    @Test(arguments: ["tiny-bert", "tiny-llama"], [1, 2, 3, 4])
    func everyRankMeasuresTheBitsOfOneProcess(_ fixture: String, _ size: Int) throws {
        let model = try ModelImporter.model(directory: ACCGoldenTests.fixtures + "/" + fixture).graph
        // 17 samples in batches of 5: 4 batches, so 4 ranks own one each and 3 own 1, 1 and 2.
        let samples = CalibrationStreamTests.samples(17, seed: 11).map { $0.map { $0 % model.config.vocabSize } }
        let expected = try Self.measure(model, samples, collective: SingleProcess())
        let ranks = ThreadRanks(size: size)
        nonisolated(unsafe) var measured = [[BlockStatistics]](repeating: [], count: size)
        nonisolated(unsafe) var failure: (any Error)?
        let lock = NSLock()
        let threads = (0..<size).map { r in
            Thread {
                do {
                    let result = try Self.measure(model, samples, collective: Rank(r, ranks))
                    lock.withLock { measured[r] = result }
                } catch { lock.withLock { failure = error } }
            }
        }
        for t in threads { t.start() }
        while lock.withLock({ measured.contains { $0.isEmpty } && failure == nil }) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(failure == nil)
        for r in 0..<size {
            for (l, (got, want)) in zip(measured[r], expected).enumerated() {
                #expect(got.inputs == want.inputs, "rank \(r) of \(size), block \(l)")
                #expect(got.inputs["mlp.down"]?.gram != nil)
                #expect(got.headSums == want.headSums && got.tokens == want.tokens, "rank \(r) of \(size), block \(l)")
                #expect(got.acc.count == 17 && got.acc.map { $0?.bitPattern } == want.acc.map { $0?.bitPattern }, "rank \(r) of \(size), block \(l)")
            }
        }
    }
}
