/// The report laid out once as headings, paragraphs, lists and tables, so Markdown and HTML
/// show the same content in the same order. Only HTML draws `chart` and styles `tone`.
struct ReportDocument {
    enum Inline: Equatable {
        case text(String)
        case code(String)
        case strong(String)
        case emphasis(String)
    }

    /// A change colours green when it saves (negative), red when it costs (positive).
    enum Tone { case none, saving, cost }

    struct Cell {
        var content: [Inline]
        var tone: Tone = .none

        static func text(_ s: String) -> Cell { Cell(content: [.text(s)]) }
        static func code(_ s: String) -> Cell { Cell(content: [.code(s)]) }
        static func strong(_ s: String) -> Cell { Cell(content: [.strong(s)]) }
        static func number(_ n: Int) -> Cell { text(NumberFormat.grouped(n)) }
        static func delta(_ n: Int) -> Cell {
            Cell(content: [.text(NumberFormat.signed(n))], tone: n < 0 ? .saving : n > 0 ? .cost : .none)
        }
        static func change(_ before: Int, _ after: Int) -> Cell {
            Cell(content: [.text(NumberFormat.change(from: before, to: after))],
                 tone: after < before ? .saving : after > before ? .cost : .none)
        }
        static let empty = Cell(content: [])
    }

    struct Column {
        var label: String
        var numeric: Bool
    }

    struct Table {
        var columns: [Column]
        var rows: [[Cell]]
        /// Rows set apart at the bottom (totals).
        var footer: [[Cell]] = []
        /// Many columns: HTML uses a smaller font and tighter cells.
        var compact = false
    }

    /// One of the figures at the top of the page; HTML sets the `headline` one apart.
    struct Figure {
        var label: String
        var value: String
        var note: String
        var headline = false
    }

    struct Bar {
        var label: String
        var before: Int
        var after: Int
    }

    enum Block {
        case heading(level: Int, text: String, id: String)
        case paragraph([Inline])
        case figures([Figure])
        case list(ordered: Bool, items: [[Inline]])
        case warnings([Report.Warning])
        case table(Table)
        /// Grouped bars, before vs after.
        case chart(title: String, unitLabel: String, bars: [Bar])
        /// Lines over a numeric x axis (HTML only).
        case lineChart(LineChart)
    }

    var title: String
    var subtitle: String
    var blocks: [Block] = []
}

extension Report {
    /// The content of the Markdown and HTML renderings.
    func document() -> ReportDocument {
        typealias Cell = ReportDocument.Cell
        typealias Column = ReportDocument.Column
        let g = NumberFormat.grouped
        let a = architecture
        var doc = ReportDocument(
            title: "Pare report: \(model)",
            subtitle: "\(a.type) · \(a.layers) layers · d = \(g(a.hiddenSize)) · \(a.heads) heads"
                + (a.kvHeads.map { " sharing \($0) key/value" } ?? "") + " · "
                + (a.features.map { $0.joined(separator: " · ") + " · " } ?? "")
                + "d_ff = \(g(a.intermediateSize)) · vocab \(g(a.vocabSize)) · "
                + "workload: batch \(g(workload.batch)) × \(g(workload.sequenceLength)) tokens")

        func heading(_ text: String, _ id: String, level: Int = 2) {
            doc.blocks.append(.heading(level: level, text: text, id: id))
        }

        // Key figures.
        var figures: [ReportDocument.Figure] = []
        if let deployed = totals.deployedSpeedup, let e = elimination {
            figures.append(.init(label: "Speedup on Pare's runtime, as deployed", value: NumberFormat.times(deployed),
                                 note: "runtime cost before / after, eliminating tokens at λ = \(NumberFormat.fixed(e.chosen.lambda, 4))",
                                 headline: true))
        }
        figures += [
            ReportDocument.Figure(label: "Speedup on Pare's runtime" + (totals.deployedSpeedup == nil ? "" : ", all tokens"),
                                  value: NumberFormat.times(totals.speedup),
                                  note: "runtime cost before / after: what the runtime realises", headline: totals.deployedSpeedup == nil),
            .init(label: "Sparse-kernel speedup", value: NumberFormat.times(totals.flopsSpeedup),
                  note: "FLOPs before / after, every zero skipped"),
            .init(label: "FLOPs", value: NumberFormat.change(from: totals.before.flops, to: totals.after.flops),
                  note: "\(g(totals.before.flops)) → \(g(totals.after.flops))"),
            .init(label: "Parameters", value: NumberFormat.change(from: totals.before.parameters, to: totals.after.parameters),
                  note: "\(g(totals.before.parameters)) → \(g(totals.after.parameters))"),
            .init(label: "Parameter bytes", value: NumberFormat.change(from: totals.before.bytes, to: totals.after.bytes),
                  note: "\(g(totals.before.bytes)) → \(g(totals.after.bytes))"),
        ]
        if let f = files, let artifact = f.artifactBytes, let ratio = f.compressionRatio {
            figures.append(.init(label: "Compression", value: NumberFormat.times(ratio),
                                 note: "file \(g(f.inputBytes)) → \(g(artifact)) bytes"))
        }
        if let int8 {
            figures.append(.init(label: "int8 linears", value: "\(g(int8.dynamic)) W8A8, \(g(int8.weightOnly)) W8A16",
                                 note: "W8A8: int8 GEMMs on activations quantized per token; W8A16: widened to f32 at load"))
        }
        doc.blocks.append(.figures(figures))
        let r = rates
        doc.blocks.append(.paragraph([
            .text("Static estimates for the whole workload; nothing was run or timed. The headline prices the work at what "
                + "Pare's runtime does with it, in f32-GEMM FLOPs: int8 GEMMs at \(NumberFormat.fixed(r.int8GEMM, 1))× the f32 rate "
                + "plus their per-token quantization, sparse weights at dense cost, low-rank factors at the efficiency of "
                + "skinny GEMMs, attention products, softmax, norms and activations at their measured per-element cost "
                + "(rates in the JSON report). "),
            .code("pare bench ARTIFACT --against INPUT"),
            .text(" measures it on this machine. FLOPs count a multiply-add as 2 and skip every zero of a sparse weight, "
                + "as a sparse kernel would (ACC-SPEC §6.1). Changes are after − before, so savings are negative."),
        ]))

        // Pipeline.
        heading("Pipeline", "pipeline")
        if passes.isEmpty {
            doc.blocks.append(.paragraph([.text("No passes: “after” is the model as imported.")]))
        } else {
            doc.blocks.append(.list(ordered: true, items: passes.map { [.code($0.pass)] }))
        }

        // Warnings.
        heading("Warnings", "warnings")
        if warnings.isEmpty {
            doc.blocks.append(.paragraph([.text("None.")]))
        } else {
            doc.blocks.append(.warnings(warnings))
        }

        // Totals.
        heading("Totals", "totals")
        func totalsRow(_ label: String, _ b: Int, _ a: Int) -> [Cell] {
            [.text(label), .number(b), .number(a), .delta(a - b), .change(b, a)]
        }
        var totalsRows = [
            totalsRow("runtime cost (f32-GEMM FLOPs)", totals.before.runtime, totals.after.runtime),
            totalsRow("FLOPs", totals.before.flops, totals.after.flops),
            totalsRow("parameters", totals.before.parameters, totals.after.parameters),
            totalsRow("parameter bytes", totals.before.bytes, totals.after.bytes),
        ]
        if let f = files {
            totalsRows.append([.text("file bytes"), .number(f.inputBytes), f.artifactBytes.map(Cell.number) ?? .text("–"),
                               f.artifactBytes.map { .delta($0 - f.inputBytes) } ?? .empty,
                               f.artifactBytes.map { .change(f.inputBytes, $0) } ?? .empty])
        }
        doc.blocks.append(.table(.init(
            columns: [Column(label: "", numeric: false), .init(label: "before", numeric: true),
                      .init(label: "after", numeric: true), .init(label: "change", numeric: true),
                      .init(label: "%", numeric: true)],
            rows: totalsRows)))
        var speedupLine: [ReportDocument.Inline] = [
            .text("Speedup on Pare's runtime: "), .strong(NumberFormat.times(totals.speedup)), .text(" (runtime cost before / after). "),
            .text("Sparse-kernel speedup: "), .strong(NumberFormat.times(totals.flopsSpeedup)), .text(" (FLOPs before / after)."),
        ]
        if let ratio = files?.compressionRatio {
            speedupLine += [.text(" Compression ratio: "), .strong(NumberFormat.times(ratio)),
                            .text(" (input file / artifact).")]
        }
        doc.blocks.append(.paragraph(speedupLine))

        // FLOPs per layer.
        heading("FLOPs per layer", "flops-per-layer")
        doc.blocks.append(.chart(title: "FLOPs per layer, before vs after", unitLabel: "FLOPs",
                                 bars: layers.map { .init(label: Self.shortName($0.layer), before: $0.before.flops,
                                                          after: $0.after.flops) }))
        doc.blocks.append(.table(.init(
            columns: [.init(label: "layer", numeric: false), .init(label: "heads", numeric: true),
                      .init(label: "FLOPs before", numeric: true), .init(label: "FLOPs after", numeric: true),
                      .init(label: "change", numeric: true), .init(label: "%", numeric: true),
                      .init(label: "FLOPs speedup", numeric: true), .init(label: "runtime speedup", numeric: true)],
            rows: layers.map { row in
                let heads: Cell = switch (row.before.heads, row.after.heads) {
                case let (b?, a?) where a != b: .text("\(b) → \(a)")
                case let (_, a?): .text("\(a)")
                default: .text("–")
                }
                return [.code(row.layer), heads, .number(row.before.flops), .number(row.after.flops),
                        .delta(row.after.flops - row.before.flops), .change(row.before.flops, row.after.flops),
                        .text(row.after.flops == 0 ? "–" : NumberFormat.times(row.flopsSpeedup)),
                        .text(row.after.runtime == 0 ? "–" : NumberFormat.times(row.speedup))]
            },
            footer: [[.strong("total"), .empty, .strong(g(totals.before.flops)), .strong(g(totals.after.flops)),
                      .delta(totals.delta.flops), .change(totals.before.flops, totals.after.flops),
                      .strong(NumberFormat.times(totals.flopsSpeedup)), .strong(NumberFormat.times(totals.speedup))]])))

        // FLOPs per sub-layer.
        heading("FLOPs per sub-layer", "flops-per-sub-layer")
        doc.blocks.append(.paragraph([.text("Summed over all blocks.")]))
        let subBefore = subLayers.reduce(0) { $0 + $1.before }, subAfter = subLayers.reduce(0) { $0 + $1.after }
        doc.blocks.append(.table(.init(
            columns: [.init(label: "sub-layer", numeric: false), .init(label: "before", numeric: true),
                      .init(label: "after", numeric: true), .init(label: "change", numeric: true),
                      .init(label: "%", numeric: true)],
            rows: subLayers.map { [.text($0.subLayer.label), .number($0.before), .number($0.after),
                                   .delta($0.after - $0.before), .change($0.before, $0.after)] },
            footer: [[.strong("all blocks"), .strong(g(subBefore)), .strong(g(subAfter)), .delta(subAfter - subBefore),
                      .change(subBefore, subAfter)]])))
        heading("By block (MFLOP, before → after where changed)", "flops-by-block", level: 3)
        let blockRows = layers.filter { $0.before.subLayers != nil || $0.after.subLayers != nil }
        doc.blocks.append(.table(.init(
            columns: [.init(label: "layer", numeric: false)]
                + Report.SubLayer.allCases.map { .init(label: $0.label, numeric: true) }
                + [.init(label: "total", numeric: true)],
            rows: blockRows.map { row in
                let b = row.before.subLayers ?? .zero, a = row.after.subLayers ?? .zero
                func cell(_ x: Int, _ y: Int) -> Cell {
                    x == y ? .text(NumberFormat.mega(x))
                        : Cell(content: [.text("\(NumberFormat.mega(x)) → \(NumberFormat.mega(y))")],
                               tone: y < x ? .saving : .cost)
                }
                return [.code(row.layer)] + Report.SubLayer.allCases.map { cell(b[$0], a[$0]) } + [cell(b.total, a.total)]
            },
            compact: true)))

        // Parameters and bytes per layer.
        heading("Parameters and bytes per layer", "parameters-per-layer")
        doc.blocks.append(.paragraph([
            .text("Stored numbers and their bytes at the stored dtypes; a sparse linear counts its nonzeros as "
                + "parameters but stores its values densely plus a bit mask."),
        ]))
        doc.blocks.append(.table(.init(
            columns: [.init(label: "layer", numeric: false), .init(label: "parameters before", numeric: true),
                      .init(label: "parameters after", numeric: true), .init(label: "change", numeric: true),
                      .init(label: "bytes before", numeric: true), .init(label: "bytes after", numeric: true),
                      .init(label: "change", numeric: true)],
            rows: layers.map { r in
                [.code(r.layer), .number(r.before.parameters), .number(r.after.parameters),
                 .delta(r.after.parameters - r.before.parameters), .number(r.before.bytes), .number(r.after.bytes),
                 .delta(r.after.bytes - r.before.bytes)]
            },
            footer: [[.strong("total"), .strong(g(totals.before.parameters)), .strong(g(totals.after.parameters)),
                      .delta(totals.delta.parameters), .strong(g(totals.before.bytes)), .strong(g(totals.after.bytes)),
                      .delta(totals.delta.bytes)]])))

        // Pass contributions.
        heading("Contribution of each pass", "passes")
        if passes.isEmpty {
            doc.blocks.append(.paragraph([.text("No passes.")]))
        } else {
            doc.blocks.append(.paragraph([
                .text("Each step's skeleton minus the previous one's; the steps sum to the totals. "
                    + "Speedups are cumulative: the input model's cost / the cost after the step, on Pare's runtime "
                    + "and in FLOPs."),
            ]))
            doc.blocks.append(.table(.init(
                columns: [.init(label: "step", numeric: true), .init(label: "pass", numeric: false),
                          .init(label: "Δ FLOPs", numeric: true), .init(label: "Δ parameters", numeric: true),
                          .init(label: "Δ bytes", numeric: true), .init(label: "FLOPs after", numeric: true),
                          .init(label: "FLOPs speedup", numeric: true), .init(label: "runtime speedup", numeric: true)],
                rows: passes.map { p in
                    [.text("\(p.step)"), .code(p.pass), .delta(p.delta.flops), .delta(p.delta.parameters),
                     .delta(p.delta.bytes), .number(p.after.flops), .text(NumberFormat.times(p.flopsSpeedup)),
                     .text(NumberFormat.times(p.speedup))]
                },
                footer: [[.empty, .strong("total"), .delta(totals.delta.flops), .delta(totals.delta.parameters),
                          .delta(totals.delta.bytes), .strong(g(totals.after.flops)),
                          .strong(NumberFormat.times(totals.flopsSpeedup)), .strong(NumberFormat.times(totals.speedup))]])))
            for p in passes {
                heading("Step \(p.step): \(p.pass)", "step-\(p.step)", level: 3)
                let changed = p.layers.filter { $0.delta != .zero }
                if changed.isEmpty {
                    doc.blocks.append(.paragraph([.text("No layer changed.")]))
                    continue
                }
                doc.blocks.append(.table(.init(
                    columns: [.init(label: "layer", numeric: false), .init(label: "Δ FLOPs", numeric: true),
                              .init(label: "Δ parameters", numeric: true), .init(label: "Δ bytes", numeric: true)],
                    rows: changed.map { [.code($0.layer), .delta($0.delta.flops), .delta($0.delta.parameters),
                                         .delta($0.delta.bytes)] },
                    footer: [[.strong("step total"), .delta(p.delta.flops), .delta(p.delta.parameters),
                              .delta(p.delta.bytes)]])))
            }
        }

        // Files.
        if let f = files {
            heading("Files", "files")
            var rows: [[Cell]] = [[.text("input checkpoint"), .number(f.inputBytes)]]
            if let artifact = f.artifactBytes { rows.append([.text("artifact"), .number(artifact)]) }
            if let ratio = f.compressionRatio { rows.append([.text("compression ratio"), .text(NumberFormat.times(ratio))]) }
            doc.blocks.append(.table(.init(columns: [.init(label: "", numeric: false), .init(label: "bytes", numeric: true)],
                                           rows: rows)))
            if f.artifactBytes == nil {
                doc.blocks.append(.paragraph([.text("No artifact was written.")]))
            }
        }

        if let e = elimination { doc.blocks += e.blocks(sequenceLength: workload.sequenceLength) }
        return doc
    }

    /// `blocks.3` → `3`, `embeddings` → `emb`: labels under the chart's bars.
    static func shortName(_ layer: String) -> String {
        if layer.hasPrefix("blocks.") { return String(layer.dropFirst("blocks.".count)) }
        return layer == "embeddings" ? "emb" : layer
    }
}

extension EliminationSection {
    func blocks(sequenceLength n0: Int) -> [ReportDocument.Block] {
        typealias Cell = ReportDocument.Cell
        func kept(_ tokens: [Int]) -> String { tokens.map { NumberFormat.grouped($0) }.joined(separator: ", ") }
        let lambda = NumberFormat.fixed(chosen.lambda, 4)
        let alpha = ep.map { min(1, chosen.lambda * $0) }
        let intro = "At λ = \(lambda) (default \(NumberFormat.fixed(defaultLambda, 4)); λ ≥ \(NumberFormat.fixed(identityLambda, 4)) "
            + "keeps every token) each sample of \(NumberFormat.grouped(n0)) tokens keeps \(kept(chosen.tokensKept)) "
            + "after layers 1–\(ep.count). Predicted speedup of the blocks: "
        let fate = mode == "merge"
            ? "Eliminated tokens are merged into their most similar kept token (size-weighted; mode merge). "
            : "Eliminated tokens are dropped (mode drop). "
        let floor = fidelity.map { "λ was chosen as the smallest keeping \($0.metric.rawValue) ≥ \(NumberFormat.fixed($0.floor, 4)) on the "
            + "calibration samples: \(NumberFormat.fixed($0.value, 4)) there. " } ?? ""
        let after = " (exact FLOPs, ACC-SPEC Eq. 4'); the 25/75 model of Eq. 6 gives \(NumberFormat.times(modelSpeedup)). " + fate + floor
            + "ACC is measured on the calibration text and fitted with a \(fit) curve"
            + (haltLayer.map { "; the profile halts at layer \($0), where the fitted curve first rises." } ?? ".")
        let layers = Array(1...max(1, ep.count)).prefix(ep.count)
        return [
            .heading(level: 2, text: "Token elimination", id: "elimination"),
            .paragraph([.text(intro), .strong(NumberFormat.times(chosen.speedup)), .text(after)]),
            .lineChart(LineChart(title: "ACC per layer and its fitted curve", xLabel: "layer", yLabel: "ACC", series: [
                .init(name: "measured ACC", colour: "#2b6cb0", points: layers.map { (Double($0), acc[$0 - 1]) }),
                .init(name: "fitted f(l)", colour: "#dd6b20", points: layers.map { (Double($0), fitted[$0 - 1]) }, dashed: true),
            ])),
            .chart(title: "Tokens kept per layer at λ = \(lambda)", unitLabel: "tokens",
                   bars: layers.map { .init(label: String($0), before: n0, after: chosen.tokensKept[$0 - 1]) }),
            .table(.init(
                columns: [.init(label: "layer", numeric: true), .init(label: "ACC", numeric: true), .init(label: "f(l)", numeric: true),
                          .init(label: "EP", numeric: true), .init(label: "α at λ", numeric: true), .init(label: "tokens kept", numeric: true)],
                rows: layers.map { l -> [Cell] in
                    [.text(String(l)), .text(NumberFormat.fixed(acc[l - 1], 4)), .text(NumberFormat.fixed(fitted[l - 1], 4)),
                     .text(NumberFormat.fixed(ep[l - 1], 4)), .text(NumberFormat.fixed(alpha[l - 1], 4)), .number(chosen.tokensKept[l - 1])]
                })),
            .heading(level: 3, text: "λ sweep", id: "lambda-sweep"),
            .paragraph([.text("Per sample of \(NumberFormat.grouped(n0)) tokens, mode \(mode); the chosen λ is marked. Speedups are static predictions from the cost model (the last column: the whole model on Pare's runtime against itself in full); "),
                        .code("pare bench --lambda"), .text(" measures them.")]),
            .table(.init(
                columns: [.init(label: "λ", numeric: true), .init(label: "tokens kept per layer", numeric: false),
                          .init(label: "FLOPs", numeric: true), .init(label: "speedup (blocks, Eq. 4')", numeric: true),
                          .init(label: "on Pare's runtime", numeric: true)],
                rows: sweep.map { p -> [Cell] in
                    [p.lambda == chosen.lambda ? .strong(NumberFormat.fixed(p.lambda, 4)) : .text(NumberFormat.fixed(p.lambda, 4)),
                     .text(kept(p.tokensKept)), .number(p.flops), .text(NumberFormat.times(p.speedup)),
                     .text(NumberFormat.times(p.runtimeSpeedup))]
                })),
            .lineChart(LineChart(title: "Predicted speedup by λ", xLabel: "λ", yLabel: "speedup (×)", series: [
                .init(name: "Eq. 4' speedup", colour: "#2b6cb0", points: sweep.map { ($0.lambda, $0.speedup) }),
            ], places: 2)),
        ]
    }
}
