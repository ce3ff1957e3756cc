import Foundation
import Testing
@testable import Kernels

/// Timings, not tests: prints ns per element of the scalar libm kernels the runtime used before
/// (`Legacy`, copied verbatim) and of the vectorised ones, best of `repetitions`. Run in release:
///   PARE_KERNEL_TIMING=1 swift test -c release --scratch-path .build-kernels --filter KernelTimingTests
/// The exhaustive accuracy sweep over every float (about two minutes in release) is separate:
///   PARE_KERNEL_EXHAUSTIVE=1 swift test -c release ... --filter KernelTimingTests
@Suite struct KernelTimingTests {
    static let environment = ProcessInfo.processInfo.environment

    /// Best time of `body` over `repetitions`, each on a fresh copy of `input` (copy untimed).
    static func best(_ input: [Float], repetitions: Int = 30,
                     _ body: (UnsafeMutablePointer<Float>) -> Void) -> Double {
        var work = input
        var fastest = Double.infinity
        for _ in 0..<repetitions {
            work.withUnsafeMutableBufferPointer { p in
                _ = p.update(fromContentsOf: input)
                let start = DispatchTime.now().uptimeNanoseconds
                body(p.baseAddress!)
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start))
            }
        }
        return fastest
    }

    static func report(_ name: String, elements: Int, input: [Float],
                       old: (UnsafeMutablePointer<Float>) -> Void, new: (UnsafeMutablePointer<Float>) -> Void) {
        let before = best(input, old) / Double(elements), after = best(input, new) / Double(elements)
        print(name.padding(toLength: 34, withPad: " ", startingAt: 0)
              + String(format: "old %7.3f ns/elem   new %7.3f ns/elem   ×%.1f", before, after, before / after))
    }

    @Test(.enabled(if: environment["PARE_KERNEL_TIMING"] == "1"))
    func timings() {
        // Softmax: 128 rows × 128 keys (one head of a 128-token sequence), plain and causal.
        let scores = KernelTestSupport.normals(128 * 128, seed: 1, standardDeviation: 3)
        Self.report("softmax 128×128", elements: scores.count, input: scores,
                    old: { Legacy.softmax($0, rows: 128, columns: 128, causalOffset: nil) },
                    new: { Softmax.rows($0, rows: 128, columns: 128) })
        Self.report("softmax 128×128 causal", elements: scores.count, input: scores,
                    old: { Legacy.softmax($0, rows: 128, columns: 128, causalOffset: 0) },
                    new: { Softmax.rows($0, rows: 128, columns: 128, causalOffset: 0) })

        // MLP activations: 1024 tokens × 1536.
        let hidden = KernelTestSupport.normals(1024 * 1536, seed: 2, standardDeviation: 2)
        Self.report("gelu 1024×1536", elements: hidden.count, input: hidden,
                    old: { Legacy.gelu($0, count: hidden.count) }, new: { Activations.gelu($0, count: hidden.count) })
        Self.report("geluTanh 1024×1536", elements: hidden.count, input: hidden,
                    old: { Legacy.geluTanh($0, count: hidden.count) },
                    new: { Activations.geluTanh($0, count: hidden.count) })
        Self.report("relu 1024×1536", elements: hidden.count, input: hidden,
                    old: { Legacy.relu($0, count: hidden.count) }, new: { Activations.relu($0, count: hidden.count) })

        // LayerNorm: 1024 tokens × 384.
        let x = KernelTestSupport.normals(1024 * 384, seed: 3, standardDeviation: 2)
        let weight = KernelTestSupport.normals(384, seed: 4), bias = KernelTestSupport.normals(384, seed: 5)
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Self.report("layerNorm 1024×384", elements: x.count, input: x,
                            old: { Legacy.layerNorm($0, rows: 1024, d: 384, weight: w.baseAddress!, bias: b.baseAddress!,
                                                    epsilon: 1e-12) },
                            new: { LayerNormKernel.apply($0, rows: 1024, d: 384, weight: w.baseAddress!,
                                                         bias: b.baseAddress!, epsilon: 1e-12) })
                Self.report("addBias 1024×384", elements: x.count, input: x,
                            old: { Legacy.addBias($0, rows: 1024, columns: 384, bias: b.baseAddress!) },
                            new: { Elementwise.addBias($0, rows: 1024, columns: 384, bias: b.baseAddress!) })
            }
        }
        let y = KernelTestSupport.normals(1024 * 384, seed: 6)
        y.withUnsafeBufferPointer { y in
            Self.report("add 1024×384", elements: x.count, input: x,
                        old: { Legacy.add($0, y.baseAddress!, count: x.count) },
                        new: { Elementwise.add($0, y.baseAddress!, count: x.count) })
        }
        let pooled = KernelTestSupport.normals(64 * 384, seed: 7)
        Self.report("tanh 64×384", elements: pooled.count, input: pooled,
                    old: { Legacy.tanh($0, count: pooled.count) }, new: { Elementwise.tanh($0, count: pooled.count) })

        // Embeddings: 1024 tokens × 384, word + position + type, against the runtime's loop.
        let d = 384, rows = 1024
        let word = KernelTestSupport.normals(30_522 * d, seed: 8), position = KernelTestSupport.normals(512 * d, seed: 9)
        let type = KernelTestSupport.normals(2 * d, seed: 10)
        let ids = (0..<rows).map { ($0 * 7919) % 30_522 }, positions = (0..<rows).map { $0 % 512 }
        let types = (0..<rows).map { $0 % 2 }
        let out = [Float](repeating: 0, count: rows * d)
        word.withUnsafeBufferPointer { w in position.withUnsafeBufferPointer { p in type.withUnsafeBufferPointer { t in
            ids.withUnsafeBufferPointer { i in positions.withUnsafeBufferPointer { pi in types.withUnsafeBufferPointer { ti in
                Self.report("embedding gather 1024×384, 3 tables", elements: rows * d, input: out,
                            old: { o in
                                for r in 0..<rows {
                                    for c in 0..<d {
                                        o[r * d + c] = w[i[r] * d + c] + p[pi[r] * d + c] + t[ti[r] * d + c]
                                    }
                                }
                            },
                            new: { o in
                                EmbeddingKernel.gather(tables: [(w.baseAddress!, i.baseAddress!), (p.baseAddress!, pi.baseAddress!),
                                                                (t.baseAddress!, ti.baseAddress!)],
                                                       rows: rows, d: d, into: o)
                            })
            } } }
        } } }
    }

    /// Every float through exp on [−87, 88] (relative) and through erf and tanh (absolute).
    @Test(.enabled(if: environment["PARE_KERNEL_EXHAUSTIVE"] == "1"))
    func exhaustiveAccuracy() {
        func sweep(_ lower: Float, _ upper: Float, _ f: (VectorMath.Vector) -> VectorMath.Vector,
                   _ reference: (Double) -> Double, relative: Bool) -> (error: Double, at: Float) {
            var worst = 0.0, at: Float = 0
            var chunk = [Float](repeating: 0, count: 16)
            var n = 0
            func flush() {
                let y = chunk.withUnsafeBufferPointer { f(VectorMath.load($0.baseAddress!, count: n, padding: 0)) }
                for j in 0..<n {
                    let want = reference(Double(chunk[j]))
                    let e = abs(Double(y[j]) - want) / (relative ? abs(want) : 1)
                    if !(e <= worst) { worst = e; at = chunk[j] }
                }
                n = 0
            }
            var x = lower
            while true {
                chunk[n] = x
                n += 1
                if n == 16 { flush() }
                if x == upper { break }
                x = x.nextUp
            }
            flush()
            return (worst, at)
        }
        let exp = sweep(-87, 88, VectorMath.exp, Foundation.exp, relative: true)
        let erf = sweep(-.greatestFiniteMagnitude, .greatestFiniteMagnitude, VectorMath.erf, Foundation.erf, relative: false)
        let tanh = sweep(-.greatestFiniteMagnitude, .greatestFiniteMagnitude, VectorMath.tanh, Foundation.tanh, relative: false)
        print("exhaustive: exp relative \(exp.error) at \(exp.at); erf absolute \(erf.error) at \(erf.at); "
              + "tanh absolute \(tanh.error) at \(tanh.at)")
        #expect(exp.error <= 2e-7 && erf.error <= 1e-6 && tanh.error <= 1e-6)
    }
}
