import Testing
import NumericTolerance

/// The tolerance helper against hand-computed cases: neighbouring floats, signed zeros, NaN,
/// infinities, and the relative and absolute parts of the bound.
@Suite struct FloatToleranceTests {
    @Test func ulpsCountsRepresentableFloatsBetween() {
        #expect(FloatTolerance.ulps(1, 1) == 0)
        #expect(FloatTolerance.ulps(1, Float(1).nextUp) == 1)
        #expect(FloatTolerance.ulps(Float(1).nextDown, Float(1).nextUp) == 2)
        #expect(FloatTolerance.ulps(0, -0.0) == 0)
        #expect(FloatTolerance.ulps(Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude) == 2)
        #expect(FloatTolerance.ulps(-2, Float(-2).nextUp) == 1)
    }

    @Test func boundIsRelativeToTheLargerMagnitudePlusAbsolute() {
        let t = FloatTolerance(relative: 1e-3, absolute: 1e-6)
        #expect(t.accepts(1000, 1000.999))
        #expect(!t.accepts(1000, 1001.1))
        #expect(t.accepts(0, 1e-6))
        #expect(!t.accepts(0, 2e-6))
        #expect(t.accepts(.nan, .nan) && !t.accepts(.nan, 0))
        #expect(t.accepts(.infinity, .infinity) && !t.accepts(.infinity, 1e300))
    }

    @Test func reorderedSumBoundGrowsWithLengthAndMagnitude() {
        let t = FloatTolerance.reordered(sumOf: 384, magnitude: 10)
        #expect(t.relative == 2 * 384 * 0x1p-24)
        #expect(t.absolute == t.relative * 10)
        // A real reordering: forward against backward summation of 384 terms.
        let terms = (0..<384).map { Float(($0 * 7919) % 1000) / 997 - 0.5 }
        let forward = terms.reduce(Float(0), +), backward = terms.reversed().reduce(Float(0), +)
        #expect(t.accepts(Double(forward), Double(backward)))
        #expect(t.firstViolation([forward, 1], [backward, 1]) == nil)
        #expect(t.firstViolation([Float(1), 2], [Float(1), 3])?.index == 1)
    }
}
