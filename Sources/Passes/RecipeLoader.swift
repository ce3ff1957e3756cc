import Foundation
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
    /// `--recipe` takes a file (an existing path, or one ending in .yaml/.yml/.json) or the text form.
    public static func load(_ argument: String) throws(PassError) -> Recipe {
        let isFile = FileManager.default.fileExists(atPath: argument)
            || [".yaml", ".yml", ".json"].contains { argument.hasSuffix($0) }
        return isFile ? try load(file: argument) : try RecipeText.parse(argument)
    }

    public static func load(file path: String) throws(PassError) -> Recipe {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .recipeSyntax(source: path, reason: "cannot read the file")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws(PassError) -> Recipe {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch { throw .recipeSyntax(source: source, reason: "not valid YAML or JSON (\(error))") }
        guard let root = node as? [String: Any] else {
            throw .recipeSyntax(source: source, reason: "the top level must be a mapping with 'version' and 'steps'")
        }
        if let extra = root.keys.sorted().first(where: { !["version", "summary", "steps"].contains($0) }) {
            throw .recipeSyntax(source: source, reason: "unknown key '\(extra)' (allowed: version, summary, steps)")
        }
        guard (root["version"] as? Int ?? 1) == 1 else {
            throw .recipeSyntax(source: source, reason: "version \(root["version"]!) is not supported (this Pare reads version 1)")
        }
        guard let steps = root["steps"] as? [Any] else {
            throw .recipeSyntax(source: source, reason: "'steps' must be a list of {pass, options}")
        }
        var recipe = Recipe(steps: [], summary: root["summary"] as? String)
        for (i, item) in steps.enumerated() {
            guard let step = item as? [String: Any], let pass = step["pass"] as? String else {
                throw .recipeSyntax(source: source, reason: "step \(i + 1) must be a mapping with a 'pass' name")
            }
            if let extra = step.keys.sorted().first(where: { !["pass", "options"].contains($0) }) {
                throw .recipeSyntax(source: source, reason: "step \(i + 1) has unknown key '\(extra)' (allowed: pass, options)")
            }
            var options: [String: RecipeValue] = [:]
            if let raw = step["options"] {
                guard let map = raw as? [String: Any] else {
                    throw .recipeSyntax(source: source, reason: "step \(i + 1) (\(pass)): 'options' must be a mapping")
                }
                for (key, value) in map {
                    guard let v = recipeValue(value) else {
                        throw .recipeSyntax(source: source, reason: "step \(i + 1) (\(pass)): option '\(key)' has an unsupported value")
                    }
                    options[key] = v
                }
            }
            recipe.steps.append(RecipeStep(pass: pass, options: options))
        }
        return recipe
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
            let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        case let .list(items): return "[" + items.map(yamlScalar).joined(separator: ", ") + "]"
        default: return value.description
        }
    }

    private static func recipeValue(_ any: Any) -> RecipeValue? {
        switch any {
        case let b as Bool: .bool(b)
        case let i as Int: .int(i)
        case let d as Double: .double(d)
        case let s as String: .string(s)
        case let l as [Any]:
            l.compactMap(recipeValue).count == l.count ? .list(l.compactMap(recipeValue)) : nil
        default: nil
        }
    }
}
