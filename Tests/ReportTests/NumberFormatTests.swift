@testable import Report
import Testing

/// Oracle: the expected strings, written by hand.
@Suite struct NumberFormatTests {
    @Test func grouped() {
        #expect(NumberFormat.grouped(0) == "0")
        #expect(NumberFormat.grouped(999) == "999")
        #expect(NumberFormat.grouped(1000) == "1,000")
        #expect(NumberFormat.grouped(22_713_216) == "22,713,216")
        #expect(NumberFormat.grouped(-1_234_567) == "\u{2212}1,234,567")
        #expect(NumberFormat.signed(5) == "+5" && NumberFormat.signed(0) == "0")
    }

    @Test func fixedHasNoExponentAndRoundsHalfAway() {
        #expect(NumberFormat.fixed(1.23456, 2) == "1.23")
        #expect(NumberFormat.fixed(2.5, 0) == "3")
        #expect(NumberFormat.fixed(0.125, 2) == "0.13")
        #expect(NumberFormat.fixed(1e-7, 4) == "0.0000")
        #expect(NumberFormat.fixed(-0.00001, 2) == "0.00")
        #expect(NumberFormat.fixed(-1.5, 1) == "\u{2212}1.5")
        #expect(NumberFormat.fixed(-1.5, 1, minusSign: "-") == "-1.5")
        #expect(NumberFormat.fixed(1e15, 1) == "1000000000000000.0")
        #expect(NumberFormat.fixed(3, 4) == "3.0000")
        #expect(NumberFormat.fixed(.nan, 2) == "n/a")
    }

    @Test func changeAndRatio() {
        #expect(NumberFormat.change(from: 200, to: 100) == "\u{2212}50.0%")
        #expect(NumberFormat.change(from: 100, to: 102) == "+2.0%")
        #expect(NumberFormat.change(from: 100_000, to: 100_001) == "0.0%")
        #expect(NumberFormat.change(from: 0, to: 5) == "–")
        #expect(NumberFormat.times(1.7) == "1.70×")
        #expect(NumberFormat.rounded(2.0 / 3.0, 4) == 0.6667)
    }
}
