import Testing
@testable import Kernels

/// EmbeddingKernel.gather against a naive Double sum of the selected rows (the oracle). One
/// table is a copy and two tables one f32 addition (the correctly rounded Double sum), so both
/// must match exactly; three tables round twice, (a + b) + c, so |Δ| ≤ 2·2⁻²⁴·Σ|row values|.
@Suite struct EmbeddingKernelTests {
    struct Case {
        let tables: [[Float]]
        let indices: [[Int]]
        let rows: Int
        let d: Int
    }

    static func makeCase(tables count: Int, rows: Int, d: Int, seed: UInt64) -> Case {
        let sizes = [50, 20, 2]
        var tables: [[Float]] = []
        var indices: [[Int]] = []
        for t in 0..<count {
            tables.append(KernelTestSupport.normals(sizes[t] * d, seed: seed + UInt64(t), standardDeviation: 0.05))
            indices.append((0..<rows).map { ($0 * 7 + t * 3) % sizes[t] })
        }
        return Case(tables: tables, indices: indices, rows: rows, d: d)
    }

    static func gather(_ c: Case) -> [Float] {
        var out = [Float](repeating: .nan, count: c.rows * c.d + 1)
        // Offset the output by one float so no store is aligned.
        func go(_ t: Int, _ pointers: [(table: UnsafePointer<Float>, indices: UnsafePointer<Int>)]) {
            if t == c.tables.count {
                out.withUnsafeMutableBufferPointer {
                    EmbeddingKernel.gather(tables: pointers, rows: c.rows, d: c.d, into: $0.baseAddress! + 1)
                }
                return
            }
            c.tables[t].withUnsafeBufferPointer { table in
                c.indices[t].withUnsafeBufferPointer { index in go(t + 1, pointers + [(table.baseAddress!, index.baseAddress!)]) }
            }
        }
        go(0, [])
        return Array(out.dropFirst())
    }

    @Test(arguments: [1, 2, 3], [0, 1, 15, 16, 17, 385])
    func sumsSelectedRows(tables: Int, d: Int) {
        let c = Self.makeCase(tables: tables, rows: 9, d: d, seed: UInt64(tables * 1000 + d))
        let got = Self.gather(c)
        for r in 0..<c.rows {
            for i in 0..<d {
                let terms = (0..<tables).map { Double(c.tables[$0][c.indices[$0][r] * d + i]) }
                let want = terms.reduce(0, +)
                let g = got[r * d + i]
                if tables < 3 {
                    #expect(g == Float(want), "row \(r), column \(i)")
                } else {
                    #expect(abs(Double(g) - want) <= 2 * 0x1p-24 * terms.map(abs).reduce(0, +), "row \(r), column \(i)")
                }
            }
        }
    }

    @Test func noRowsWritesNothing() {
        let c = Self.makeCase(tables: 2, rows: 0, d: 16, seed: 1)
        #expect(Self.gather(c).isEmpty)
    }
}
