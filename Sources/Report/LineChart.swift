/// An inline SVG line chart: one or more series over a shared numeric x axis, with round y
/// ticks, axis titles, a legend and a tooltip on every point. No script, no fonts.
struct LineChart {
    struct Series {
        var name: String
        var colour: String
        var points: [(x: Double, y: Double)]
        /// Drawn dashed (e.g. a fitted curve against measured points).
        var dashed = false
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    /// Decimals of the tooltip values.
    var places = 3

    func svg() -> String {
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let xMin = xs.min() ?? 0, xMax = max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-9)
        let axis = BarChart.niceAxis(max(ys.max() ?? 1, 1e-9))
        let left = 72.0, right = 16.0, top = 40.0, bottom = 52.0, plotHeight = 220.0, plotWidth = 640.0
        let width = left + plotWidth + right, height = top + plotHeight + bottom
        let f = { (v: Double) in NumberFormat.fixed(v, 1, minusSign: "-") }
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - y / axis.top * plotHeight }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
            + "width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">\n"
        s += "<title>\(HTML.escape(title))</title>\n"
        for i in 0...axis.ticks {
            let v = Double(i) * axis.step
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(v)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py(v)))\" "
                + "stroke=\"\(i == 0 ? "#8a96a3" : "#e4e8ec")\" stroke-width=\"1\"/>\n"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#52606d\">"
                + "\(NumberFormat.fixed(v, axis.places))</text>\n"
        }
        for x in Set(xs).sorted() {
            s += "<text x=\"\(f(px(x)))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\" font-size=\"11\" "
                + "fill=\"#52606d\">\(NumberFormat.fixed(x, x == x.rounded() ? 0 : 2))</text>\n"
        }
        for line in series {
            let path = line.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"2\""
                + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n"
            for p in line.points {
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(line.colour)\"><title>"
                    + "\(HTML.escape(line.name)) at \(NumberFormat.fixed(p.x, p.x == p.x.rounded() ? 0 : 2)): "
                    + "\(NumberFormat.fixed(p.y, places))</title></circle>\n"
            }
        }
        s += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\" font-size=\"12\" "
            + "fill=\"#323f4b\">\(HTML.escape(xLabel))</text>\n"
        s += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" "
            + "font-size=\"12\" fill=\"#323f4b\">\(HTML.escape(yLabel))</text>\n"
        for (k, line) in series.enumerated() {
            let x = left + plotWidth - 260 + Double(k) * 130
            s += "<rect x=\"\(f(x))\" y=\"12\" width=\"12\" height=\"12\" fill=\"\(line.colour)\"/>"
                + "<text x=\"\(f(x + 18))\" y=\"22\" font-size=\"12\" fill=\"#323f4b\">\(HTML.escape(line.name))</text>\n"
        }
        s += "<text x=\"\(f(left))\" y=\"22\" font-size=\"13\" font-weight=\"600\" fill=\"#1f2933\">\(HTML.escape(title))</text>\n"
        return s + "</svg>"
    }
}
