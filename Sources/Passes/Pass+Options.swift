import Foundation
import ModelIR

extension Pass {
    /// This pass configured by a recipe step: kebab-case keys → camelCase properties, defaults
    /// for the rest; unknown keys, wrong types and out-of-range values are errors naming the step.
    static func make(from step: RecipeStep, index: Int) throws(PassError) -> Self {
        let known = Self.optionKeys
        for key in step.options.keys.sorted() where !known.contains(key) {
            throw .unknownOption(step: index, pass: name, key: key, known: known)
        }
        // Defaults first, then the recipe's values over them (synthesized Codable has no defaults).
        let defaults = try? JSONSerialization.jsonObject(with: JSONEncoder().encode(Options()))
        var object = defaults as? [String: Any] ?? [:]
        for (key, value) in step.options { object[OptionKey.camel(key)] = value.json }
        let options: Options
        do {
            options = try JSONDecoder().decode(Options.self, from: JSONSerialization.data(withJSONObject: object))
        } catch let DecodingError.typeMismatch(type, context) {
            throw .wrongType(step: index, pass: name, key: OptionKey.kebab(context.codingPath.first?.stringValue ?? "?"),
                             expected: OptionKey.describe(type))
        } catch let DecodingError.dataCorrupted(context) {
            throw .wrongType(step: index, pass: name, key: OptionKey.kebab(context.codingPath.first?.stringValue ?? "?"),
                             expected: context.debugDescription)
        } catch {
            throw .wrongType(step: index, pass: name, key: "?", expected: "\(error)")
        }
        do {
            try options.validate()
        } catch let .invalidValue(key, value, expected) {
            throw .invalidOption(step: index, pass: name, key: key, value: value, expected: expected)
        } catch {
            throw error
        }
        return Self(options: options)
    }

    /// The recipe keys this pass accepts: its Options' stored properties, kebab-cased, sorted.
    static var optionKeys: [String] {
        Mirror(reflecting: Options()).children.compactMap(\.label).map(OptionKey.kebab).sorted()
    }

    /// The pass with every option at its default.
    public static var defaultStep: RecipeStep { Self(options: Options()).canonicalStep }

    /// Every option with its value, kebab-cased and sorted: the pass log's canonical form.
    var canonicalStep: RecipeStep {
        let data = (try? JSONEncoder().encode(options)) ?? Data("{}".utf8)
        let object = (try? JSONDecoder().decode([String: RecipeValue].self, from: data)) ?? [:]
        return RecipeStep(pass: Self.name, options: Dictionary(uniqueKeysWithValues: object.map { (OptionKey.kebab($0.key), $0.value) }))
    }
}

extension PassOptions {
    /// `validate()` as a `check` diagnostic: nil when the options are valid.
    func validationDiagnostic() -> Diagnostic? {
        do {
            try validate()
            return nil
        } catch let .invalidValue(key, value, expected) {
            return Diagnostic(.error, at: "option '\(key)'", "\(value) is out of range", hint: "use \(expected)")
        } catch {
            return Diagnostic(.error, at: "options", error.description)
        }
    }
}

/// Spelling conversions between recipe keys and Swift properties.
enum OptionKey {
    /// `targetSpeedup` → `target-speedup`
    static func kebab(_ camel: String) -> String {
        camel.reduce(into: "") { out, c in
            if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) }
        }
    }

    /// `target-speedup` → `targetSpeedup`
    static func camel(_ kebab: String) -> String {
        let parts = kebab.split(separator: "-")
        return (parts.first.map(String.init) ?? "") + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: "true or false"
        case is Int.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is String.Type: "a string"
        default: "a \(type)"
        }
    }
}
