import Foundation
import Report

extension InspectReport: CommandOutput {
    /// The human-readable summary.
    public func text() -> String {
        var out: [String] = []
        out.append("\(path)  (\(kind.rawValue), \(files.count) file\(files.count == 1 ? "" : "s"), \(tensorCount) tensors)")
        if let a = architecture {
            let groups = a.kvHeads.map { " sharing \($0) key/value head\($0 == 1 ? "" : "s")" } ?? ""
            let ffn = a.mlp.map { "\($0) \(a.activation)" } ?? a.activation
            let norm = a.norm == "rms" ? " (RMSNorm)" : ""
            out.append("architecture   \(a.modelType)\(a.causal ? " (causal)" : ""), \(a.layers) layers, hidden \(a.hiddenSize), "
                + "\(a.heads) heads × \(a.headDim)\(groups), FFN \(a.intermediateSize) (\(ffn)), \(a.normPlacement)-norm\(norm)")
            if let positions = a.positions { out.append("positions      \(positions)" + (a.slidingWindow.map { ", sliding window \($0)" } ?? "")) }
            out.append("vocabulary     \(NumberFormat.grouped(a.vocabSize)) tokens, \(a.maxPositions) positions")
            out.append("head           \(a.head.isEmpty ? "none" : a.head.joined(separator: ", "))")
        }
        out.append("parameters     \(NumberFormat.grouped(parameters))")
        for (dtype, bytes) in bytesByDType.sorted(by: { $0.key < $1.key }) {
            out.append("bytes \(dtype.padding(6))   \(NumberFormat.grouped(bytes)) (\(Format.mebibytes(bytes)))")
        }
        if !buffers.isEmpty { out.append("buffers        \(buffers.joined(separator: ", ")) (not parameters)") }
        for (form, count) in linearForms.sorted(by: { $0.key < $1.key }) {
            out.append("linears        \(count) \(form)")
        }
        if let f = flops {
            out.append("")
            out.append("FLOPs at batch \(f.batch) × \(f.sequenceLength) tokens (MFLOP; multiply-add = 2):")
            let columns = ["layer", "qkv", "scores", "softmax", "P·V", "W_O", "norms", "FFN", "total"]
            out.append(columns.map { $0.padding(9, left: $0 != "layer") }.joined(separator: " "))
            for (i, l) in f.layers.enumerated() {
                let values = [l.qkv, l.scores, l.softmax, l.context, l.output, l.norms, l.mlp, l.total]
                out.append(String(i).padding(9) + " " + values.map { Format.mega($0).padding(9, left: true) }.joined(separator: " "))
            }
            out.append("embeddings \(Format.mega(f.embeddings)) MFLOP, head \(Format.mega(f.head)) MFLOP, total \(Format.giga(f.total)) GFLOP")
        }
        if let a = artifact {
            out.append("")
            out.append("artifact       format \(a.formatVersion), written by \(a.tool), \(NumberFormat.grouped(a.fileBytes)) bytes (\(Format.mebibytes(a.fileBytes)))")
            out.append("recipe         \(a.recipe.isEmpty ? "(none)" : a.recipe)")
            for (i, pass) in a.passes.enumerated() { out.append("pass \(i + 1)".padding(15) + pass) }
            for input in a.inputs { out.append("input          \(input)") }
            out.append("tokenizer      \(a.tokenizerFiles.isEmpty ? "none" : a.tokenizerFiles.joined(separator: ", "))")
            if !a.sections.isEmpty { out.append("sections       \(a.sections.joined(separator: ", "))") }
        }
        if let tensors {
            out.append("")
            let width = min(64, tensors.map(\.name.count).max() ?? 4)
            let stored = tensors.contains { $0.compressedBytes != nil }
            out.append("name".padding(width) + "  dtype  " + (stored ? "stored/bytes   encoding           " : "") + "shape")
            for t in tensors {
                var line = t.name.padding(width) + "  " + t.dtype.padding(5) + "  "
                if let c = t.compressedBytes {
                    line += (Format.fixed(100 * Double(c) / Double(max(t.bytes, 1)), 1) + "%").padding(13, left: true) + "  "
                        + (t.encoding ?? "").padding(18) + " "
                }
                out.append(line + "[" + t.shape.map(String.init).joined(separator: ", ") + "]")
            }
        }
        if !metadata.isEmpty {
            out.append("metadata       " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        return out.joined(separator: "\n") + "\n"
    }
}

/// Fixed number formatting shared by every text output (no locale); thousands are grouped by
/// `NumberFormat.grouped`.
enum Format {
    /// 10000.0 → `10000`, 0.5 → `0.5`.
    static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }

    /// FLOPs as GFLOP with 3 decimals: 330935808 → `0.331`
    static func giga(_ n: Int) -> String { fixed(Double(n) / 1e9, 3) }

    /// FLOPs as MFLOP with 1 decimal: 113393664 → `113.4`
    static func mega(_ n: Int) -> String { fixed(Double(n) / 1e6, 1) }

    /// Bytes as MiB with 1 decimal.
    static func mebibytes(_ n: Int) -> String { fixed(Double(n) / 1_048_576, 1) + " MiB" }

    /// `x` rounded half away from zero to `places` decimals, without locale or exponent.
    static func fixed(_ x: Double, _ places: Int) -> String {
        let scale = (0..<places).reduce(1.0) { r, _ in r * 10 }
        let scaled = (abs(x) * scale).rounded(.toNearestOrAwayFromZero)
        let whole = Int(scaled / scale), fraction = Int(scaled.truncatingRemainder(dividingBy: scale))
        let text = places == 0 ? "\(whole)"
            : "\(whole)." + String(repeating: "0", count: places - String(fraction).count) + String(fraction)
        return (x < 0 && scaled != 0 ? "-" : "") + text
    }
}

extension String {
    func padding(_ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - count))
        return left ? fill + self : self + fill
    }
}
