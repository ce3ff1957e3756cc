import Foundation
import JSON
import Yams

/// Reads recipes: a file in `passes/` (YAML; JSON is accepted since it is YAML) or the CLI text form.
///
/// ```yaml
/// version: 1
/// summary: Store every weight as f16.
/// steps:
///   - pass: cast
///     options: {dtype: f16}
/// ```
public enum RecipeLoader {
    /// `--recipe` takes a file (an existing path, or one ending in .yaml/.yml/.json), the name of
    /// a recipe in one of `recipeDirectories` (`max-compress` → `<dir>/max-compress.yaml`; a
    /// registered pass name stays the text form), or the text form.
    public static func load(_ argument: String, recipeDirectories: [String] = []) throws(PassError) -> Recipe {
        let isFile = FileManager.default.fileExists(atPath: argument)
            || extensions.contains { argument.hasSuffix($0) }
        if isFile { return try load(file: argument) }
        if let named = recipe(named: argument, in: recipeDirectories) { return try load(file: named) }
        return try RecipeText.parse(argument)
    }

    /// File extensions of recipes.
    static let extensions = [".yaml", ".yml", ".json"]

    /// The file of the recipe `name` in the first of `directories` that has one; nil when `name`
    /// is not a bare name (`[a-z0-9-_]`) or names a pass.
    static func recipe(named name: String, in directories: [String]) -> String? {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
              PassRegistry.lookup(name) == nil else { return nil }
        for directory in directories {
            for ext in extensions {
                let path = (directory as NSString).appendingPathComponent(name + ext)
                if FileManager.default.fileExists(atPath: path) { return path }
            }
        }
        return nil
    }

    public static func load(file path: String) throws(PassError) -> Recipe {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .recipeSyntax(source: path, reason: "cannot read the file")
        }
        return try parse(text, source: path)
    }

    /// Parses the file form. The YAML is composed into nodes and read here, never through Yams'
    /// untyped `load` (which traps on a mapping key that is itself a mapping or a list); every
    /// key must be a plain scalar, anchors and aliases are refused (`firstAnchorOrAlias`), and
    /// at most `maxNodes` nodes are read.
    public static func parse(_ text: String, source: String) throws(PassError) -> Recipe {
        if let line = firstAnchorOrAlias(in: text) {
            throw .recipeSyntax(source: source, reason: "line \(line) uses a YAML anchor or alias (& or *), which recipes do not accept; write the value out")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw .recipeSyntax(source: source, reason: "not valid YAML or JSON (\(error))") }
        var budget = maxNodes
        guard let node, let root = try mapping(node, source: source, what: "the top level", budget: &budget) else {
            throw .recipeSyntax(source: source, reason: "the top level must be a mapping with 'version' and 'steps'")
        }
        if let extra = root.keys.sorted().first(where: { !["version", "summary", "steps"].contains($0) }) {
            throw .recipeSyntax(source: source, reason: "unknown key '\(extra)' (allowed: version, summary, steps)")
        }
        if let version = root["version"], version.int != 1 || version.tagName != .int {
            let shown = version.tagName == .str ? "\"\(version.string ?? "")\"" : version.string ?? "of this kind"
            throw .recipeSyntax(source: source, reason: "version \(shown) is not supported (this Pare reads version 1)")
        }
        guard case let .sequence(steps)? = root["steps"] else {
            throw .recipeSyntax(source: source, reason: "'steps' must be a list of {pass, options}")
        }
        let summary = root["summary"].flatMap { $0.tagName == .str ? $0.scalar?.string : nil }
        var recipe = Recipe(steps: [], summary: summary)
        for (i, item) in steps.enumerated() {
            guard let step = try mapping(item, source: source, what: "step \(i + 1)", budget: &budget),
                  let passNode = step["pass"], passNode.tagName == .str, let pass = passNode.scalar?.string else {
                throw .recipeSyntax(source: source, reason: "step \(i + 1) must be a mapping with a 'pass' name")
            }
            if let extra = step.keys.sorted().first(where: { !["pass", "options"].contains($0) }) {
                throw .recipeSyntax(source: source, reason: "step \(i + 1) has unknown key '\(extra)' (allowed: pass, options)")
            }
            var options: [String: RecipeValue] = [:]
            if let raw = step["options"] {
                guard let map = try mapping(raw, source: source, what: "step \(i + 1) (\(pass)) options", budget: &budget) else {
                    throw .recipeSyntax(source: source, reason: "step \(i + 1) (\(pass)): 'options' must be a mapping")
                }
                for (key, value) in map.sorted(by: { $0.key < $1.key }) {
                    guard let v = try recipeValue(value, source: source, budget: &budget) else {
                        throw .recipeSyntax(source: source, reason: "step \(i + 1) (\(pass)): option '\(key)' has an unsupported value")
                    }
                    options[key] = v
                }
            }
            recipe.steps.append(RecipeStep(pass: pass, options: options))
        }
        return recipe
    }

    /// The most YAML nodes a recipe may have.
    static let maxNodes = 100_000

    /// Takes one node from `budget`; throws when it is spent.
    private static func spend(_ budget: inout Int, source: String) throws(PassError) {
        budget -= 1
        guard budget >= 0 else {
            throw .recipeSyntax(source: source, reason: "more than \(maxNodes) YAML nodes; a recipe is a short list of steps")
        }
    }

    /// A mapping node as scalar key → value node; nil when `node` is not a mapping. Throws on a
    /// key that is not a plain string scalar, and on a repeated key.
    private static func mapping(_ node: Node, source: String, what: String, budget: inout Int) throws(PassError) -> [String: Node]? {
        guard case let .mapping(mapping) = node else { return nil }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            try spend(&budget, source: source)
            guard case let .scalar(scalar) = key else {
                throw .recipeSyntax(source: source, reason: "\(what) has a key that is not a plain name (line \(key.mark?.line ?? 0))")
            }
            guard result.updateValue(value, forKey: scalar.string) == nil else {
                throw .recipeSyntax(source: source, reason: "\(what) has the key '\(scalar.string)' twice")
            }
        }
        return result
    }

    /// A scalar or list option value by its resolved YAML tag (bool, int, float, str); nil for
    /// null, mappings and other tags.
    private static func recipeValue(_ node: Node, source: String, budget: inout Int) throws(PassError) -> RecipeValue? {
        try spend(&budget, source: source)
        switch node {
        case let .scalar(scalar):
            switch node.tagName {
            case .bool: return node.bool.map(RecipeValue.bool)
            case .int: return node.int.map(RecipeValue.int)
            case .float: return node.float.map(RecipeValue.double)
            case .str: return .string(scalar.string)
            default: return nil
            }
        case let .sequence(sequence):
            var items: [RecipeValue] = []
            for item in sequence {
                guard let value = try recipeValue(item, source: source, budget: &budget) else { return nil }
                items.append(value)
            }
            return .list(items)
        case .mapping, .alias:
            return nil
        }
    }

    /// The file form of a recipe, as `passes/*.yaml` holds it; reads back to an equal Recipe.
    public static func yaml(_ recipe: Recipe) -> String {
        var lines = ["version: \(recipe.version)"]
        if let summary = recipe.summary { lines.append("summary: \(yamlScalar(.string(summary)))") }
        lines.append("steps:")
        for step in recipe.steps {
            lines.append("  - pass: \(step.pass)")
            if !step.options.isEmpty {
                lines.append("    options:")
                for (key, value) in step.options.sorted(by: { $0.key < $1.key }) {
                    lines.append("      \(key): \(yamlScalar(value))")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func yamlScalar(_ value: RecipeValue) -> String {
        switch value {
        case let .string(s):
            // Quoted as JSON, which YAML reads as the same string.
            return JSONWriter.quoted(s, shortBackspaceAndFormFeed: true)
        case let .list(items): return "[" + items.map(yamlScalar).joined(separator: ", ") + "]"
        default: return value.description
        }
    }
}

extension Node {
    /// The resolved tag's name (`Tag.name` is internal to Yams).
    fileprivate var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
