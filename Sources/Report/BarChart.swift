/// An inline SVG grouped bar chart, before vs after per layer: y axis with round ticks, x labels,
/// axis titles, a legend, and a native tooltip (`<title>`) on every bar. No script, no fonts.
struct BarChart {
    var title: String
    /// What the values count, e.g. `FLOPs`; the axis shows it scaled (`MFLOP`, `GFLOP`).
    var unitLabel: String
    var bars: [ReportDocument.Bar]

    static let beforeColour = "#b4bfcb"
    static let afterColour = "#2b6cb0"

    func svg() -> String {
        let maxValue = bars.reduce(0) { max($0, $1.before, $1.after) }
        let (divisor, prefix) = Self.scale(maxValue)
        let axis = Self.niceAxis(Double(maxValue) / divisor)
        let left = 72.0, right = 16.0, top = 40.0, bottom = 52.0, plotHeight = 220.0
        let groupWidth = bars.count > 12 ? 40.0 : 56.0
        let plotWidth = max(640.0, Double(bars.count) * groupWidth)
        let width = left + plotWidth + right, height = top + plotHeight + bottom
        let f = { (x: Double) in NumberFormat.fixed(x, 1, minusSign: "-") }
        func y(_ v: Double) -> Double { top + plotHeight - (axis.top > 0 ? v / axis.top * plotHeight : 0) }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
            + "width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">\n"
        s += "<title>\(HTML.escape(title))</title>\n"
        // Grid and y ticks.
        for i in 0...axis.ticks {
            let v = Double(i) * axis.step, yy = f(y(v))
            s += "<line x1=\"\(f(left))\" y1=\"\(yy)\" x2=\"\(f(left + plotWidth))\" y2=\"\(yy)\" "
                + "stroke=\"\(i == 0 ? "#8a96a3" : "#e4e8ec")\" stroke-width=\"1\"/>\n"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#52606d\">"
                + "\(NumberFormat.fixed(v, axis.places))</text>\n"
        }
        // Bars.
        let barWidth = min(18.0, groupWidth * 0.34), gap = 2.0
        for (i, bar) in bars.enumerated() {
            let centre = left + (Double(i) + 0.5) * (plotWidth / Double(max(bars.count, 1)))
            for (k, (value, colour, name)) in [(bar.before, Self.beforeColour, "before"),
                                               (bar.after, Self.afterColour, "after")].enumerated() {
                let x = k == 0 ? centre - gap / 2 - barWidth : centre + gap / 2
                // A nonzero value stays visible as at least a 1-unit sliver.
                let barHeight = value > 0 ? max(1, y(0) - y(Double(value) / divisor)) : 0, barTop = y(0) - barHeight
                s += "<rect x=\"\(f(x))\" y=\"\(f(barTop))\" width=\"\(f(barWidth))\" height=\"\(f(barHeight))\" "
                    + "fill=\"\(colour)\"><title>\(HTML.escape(bar.label)) \(name): "
                    + "\(NumberFormat.grouped(value)) \(HTML.escape(unitLabel))</title></rect>\n"
            }
            s += "<text x=\"\(f(centre))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\" font-size=\"11\" "
                + "fill=\"#52606d\">\(HTML.escape(bar.label))</text>\n"
        }
        // Axis titles.
        s += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\" font-size=\"12\" "
            + "fill=\"#323f4b\">layer</text>\n"
        let axisTitle = prefix + (unitLabel == "FLOPs" ? "FLOP" : unitLabel)
        s += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" "
            + "font-size=\"12\" fill=\"#323f4b\">\(HTML.escape(axisTitle))</text>\n"
        // Legend.
        let legendX = left + plotWidth - 150
        for (k, (colour, name)) in [(Self.beforeColour, "before"), (Self.afterColour, "after")].enumerated() {
            let x = legendX + Double(k) * 80
            s += "<rect x=\"\(f(x))\" y=\"12\" width=\"12\" height=\"12\" fill=\"\(colour)\"/>"
                + "<text x=\"\(f(x + 18))\" y=\"22\" font-size=\"12\" fill=\"#323f4b\">\(name)</text>\n"
        }
        s += "<text x=\"\(f(left))\" y=\"22\" font-size=\"13\" font-weight=\"600\" fill=\"#1f2933\">"
            + "\(HTML.escape(title))</text>\n"
        return s + "</svg>"
    }

    /// The divisor and SI prefix that keep axis labels short.
    static func scale(_ maxValue: Int) -> (Double, String) {
        switch maxValue {
        case 1_000_000_000_000...: (1e12, "T")
        case 1_000_000_000...: (1e9, "G")
        case 1_000_000...: (1e6, "M")
        case 1_000...: (1e3, "k")
        default: (1, "")
        }
    }

    /// Round ticks covering 0…maxValue: the step is 1, 2, 2.5 or 5 times a power of ten, about 5 ticks.
    static func niceAxis(_ maxValue: Double) -> (step: Double, ticks: Int, top: Double, places: Int) {
        guard maxValue > 0 else { return (1, 1, 1, 0) }
        let raw = maxValue / 5
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks = 1
        while Double(ticks) * step < maxValue * (1 - 1e-9) { ticks += 1 }
        var places = 0, scaled = step
        while places < 6, (scaled - scaled.rounded()).magnitude > 1e-9 { places += 1; scaled *= 10 }
        return (step, ticks, Double(ticks) * step, places)
    }
}
