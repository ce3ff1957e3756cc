/// Fixed number formatting for every report format (and the other text outputs): no locale, no
/// exponent, no platform formatter.
public enum NumberFormat {
    /// The minus sign of text outputs (U+2212), so negative numbers line up with `+` in tables.
    static let minus = "\u{2212}"

    /// 22713216 → `22,713,216`; −1234 → `−1,234`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (n < 0 ? minus : "") + groups.joined(separator: ",")
    }

    /// A change: `+1,234`, `−1,234`, or `0`.
    static func signed(_ n: Int) -> String { n > 0 ? "+" + grouped(n) : grouped(n) }

    /// `x` rounded half away from zero to `places` decimals: fixed(1.23456, 2) → `1.23`,
    /// fixed(−0.004, 2) → `0.00`. Non-finite values print as `n/a`.
    static func fixed(_ x: Double, _ places: Int, minusSign: String = minus) -> String {
        guard x.isFinite else { return "n/a" }
        var scale: UInt64 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (x.magnitude * Double(scale)).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e18 else { return (x < 0 ? minusSign : "") + grouped(Int(x.magnitude)) }
        let units = UInt64(scaled)
        let whole = String(units / scale)
        var text = whole
        if places > 0 {
            let fraction = String(units % scale)
            text += "." + String(repeating: "0", count: places - fraction.count) + fraction
        }
        return (x < 0 && units != 0 ? minusSign : "") + text
    }

    /// `x` rounded half away from zero to `places` decimals, as the Double that prints that way.
    static func rounded(_ x: Double, _ places: Int) -> Double {
        guard x.isFinite else { return 0 }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (x * scale).rounded(.toNearestOrAwayFromZero) / scale
    }

    /// A ratio as `1.43×`.
    static func times(_ x: Double) -> String { fixed(x, 2) + "×" }

    /// after relative to before: `−23.4%`, `+2.0%`, `0.0%`; `–` when before is 0.
    static func change(from before: Int, to after: Int) -> String {
        guard before != 0 else { return after == 0 ? "0.0%" : "–" }
        let p = 100 * Double(after - before) / Double(before)
        let text = fixed(p, 1)
        return (p > 0 && text != "0.0" ? "+" : "") + text + "%"
    }

    /// FLOPs in millions with 2 decimals: 113393664 → `113.39`.
    static func mega(_ n: Int) -> String { fixed(Double(n) / 1e6, 2) }
}
