/// The address of a linear (or other sub-module) in the IR, dot-separated:
/// `blocks.3.attention.q`, `blocks.3.mlp.up`, `head.pooler`. Used by recipes, errors and reports.
public struct LayerPath: Hashable, Comparable, Codable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var components: [String]

    public init(_ components: [String]) { self.components = components }
    public init(_ text: String) { components = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
    public init(stringLiteral text: String) { self.init(text) }

    public var description: String { components.joined(separator: ".") }

    /// `blocks.<i>.<rest>` for block `i`.
    public static func block(_ i: Int, _ rest: String) -> LayerPath { LayerPath("blocks.\(i).\(rest)") }

    /// `rest` of `blocks.<l>.<rest>`, e.g. `mlp.down`; nil for a path elsewhere.
    public func role(inBlock l: Int) -> String? {
        guard components.count > 2, components[0] == "blocks", components[1] == "\(l)" else { return nil }
        return components.dropFirst(2).joined(separator: ".")
    }

    /// The block index of a `blocks.<i>...` path.
    public var blockIndex: Int? {
        guard components.count >= 2, components[0] == "blocks" else { return nil }
        return Int(components[1])
    }

    /// Orders block indices numerically (`blocks.2` < `blocks.10`), other components lexically.
    public static func < (a: LayerPath, b: LayerPath) -> Bool {
        for (x, y) in zip(a.components, b.components) where x != y {
            if let i = Int(x), let j = Int(y) { return i < j }
            return x < y
        }
        return a.components.count < b.components.count
    }

    public init(from decoder: Decoder) throws { self.init(try String(from: decoder)) }
    public func encode(to encoder: Encoder) throws { try description.encode(to: encoder) }
}

/// A pattern over `LayerPath`s, one segment per path component:
/// `*` matches one whole component (and inside a component, any run of characters: `ffn*`),
/// `**` any number of components, `{q,k,v}` one of the alternatives.
/// Example: `blocks.*.attention.{q,k,v}` selects the 3·L query, key and value projections.
public struct LayerGlob: Hashable, Codable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let pattern: String
    private let segments: [[String]]

    public init(_ pattern: String) {
        self.pattern = pattern
        segments = LayerGlob.split(pattern).map(LayerGlob.alternatives)
    }

    public init(stringLiteral pattern: String) { self.init(pattern) }
    public var description: String { pattern }

    public func matches(_ path: LayerPath) -> Bool { match(segments[...], path.components[...]) }

    private func match(_ pattern: ArraySlice<[String]>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == ["**"] {
            return (path.startIndex...path.endIndex).contains { match(pattern.dropFirst(), path[$0...]) }
        }
        guard let component = path.first else { return false }
        return first.contains { LayerGlob.wildcard($0, matches: component) }
            && match(pattern.dropFirst(), path.dropFirst())
    }

    /// Splits on dots outside braces.
    private static func split(_ pattern: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        for c in pattern {
            if c == "{" { depth += 1 } else if c == "}" { depth -= 1 }
            if c == ".", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        return parts
    }

    /// `a{b,c}d` → [abd, acd]; a segment without braces is itself.
    private static func alternatives(_ segment: String) -> [String] {
        guard let open = segment.firstIndex(of: "{"), let close = segment[open...].firstIndex(of: "}") else {
            return [segment]
        }
        let prefix = segment[..<open], suffix = String(segment[segment.index(after: close)...])
        return segment[segment.index(after: open)..<close].split(separator: ",", omittingEmptySubsequences: false)
            .flatMap { choice in alternatives(suffix).map { prefix + choice + $0 } }
    }

    /// Shell-style `*` within one component.
    private static func wildcard(_ pattern: String, matches text: String) -> Bool {
        if pattern == "*" { return true }
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == t[ti] {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    public init(from decoder: Decoder) throws { self.init(try String(from: decoder)) }
    public func encode(to encoder: Encoder) throws { try pattern.encode(to: encoder) }
}
