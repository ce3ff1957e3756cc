import TensorCore

/// Seeded inputs and layouts shared by the kernel tests.
enum KernelTestSupport {
    /// The awkward lengths every vector kernel is run on: empty, shorter than a vector, one
    /// vector, one over, and long rows with and without a 16-lane tail.
    static let lengths = [0, 1, 15, 16, 17, 47, 385, 400, 1536]

    /// `count` normal samples N(0, σ²) from SplitMix64(seed).
    static func normals(_ count: Int, seed: UInt64, standardDeviation sigma: Float = 1) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.normal(standardDeviation: sigma) }
    }

    /// `count` uniform samples in [lower, upper) from SplitMix64(seed).
    static func uniforms(_ count: Int, seed: UInt64, in range: Range<Float>) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float.random(in: range, using: &rng) }
    }

    /// Runs `body` on a copy of `values` that starts one float past a 64-byte boundary, so no
    /// 16-lane load is aligned; returns the buffer afterwards.
    static func misaligned(_ values: [Float], _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: (values.count + 1) * 4 + 64, alignment: 64)
        defer { storage.deallocate() }
        let p = (storage + 4).bindMemory(to: Float.self, capacity: values.count + 1)
        p.initialize(from: values, count: values.count)
        body(p)
        return Array(UnsafeBufferPointer(start: p, count: values.count))
    }
}
