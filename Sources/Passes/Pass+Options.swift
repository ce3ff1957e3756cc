import JSON
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
        var object = Self.defaultOptions
        for (key, value) in step.options.sorted(by: { $0.key < $1.key }) { object.set(OptionKey.camel(key), value.json) }
        let options: Options
        do throws(JSONError) {
            options = try JSONValueDecoder().decode(Options.self, from: object)
        } catch {
            let key = OptionKey.kebab(error.path.firstKey ?? "?")
            switch error {
            case let .typeMismatch(_, expected, _): throw .wrongType(step: index, pass: name, key: key, expected: expected)
            case let .invalidValue(_, reason): throw .wrongType(step: index, pass: name, key: key, expected: reason)
            default: throw .wrongType(step: index, pass: name, key: key, expected: error.problem)
            }
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

    /// `Options()` as a JSON object (camelCase keys; nil options left out).
    static var defaultOptions: JSONValue {
        // Options are plain structs of numbers, strings and lists: encoding them cannot fail.
        (try? JSONValueEncoder().encode(Options())) ?? .object([])
    }

    /// The recipe keys this pass accepts: the properties its Options' `init(from:)` reads,
    /// kebab-cased, sorted.
    static var optionKeys: [String] {
        JSONValueDecoder().requestedKeys(Options.self, decoding: defaultOptions).map(OptionKey.kebab).sorted()
    }

    /// The pass with every option at its default.
    public static var defaultStep: RecipeStep { Self(options: Options()).canonicalStep }

    /// Every option with its value, kebab-cased and sorted: the pass log's canonical form.
    /// An integral number reads back as an integer (`2.0` → `2`).
    var canonicalStep: RecipeStep {
        let members = (try? JSONValueEncoder().encode(options))?.members ?? []
        var values: [String: RecipeValue] = [:]
        for member in members {
            guard let value = RecipeValue(json: member.value) else {
                return RecipeStep(pass: Self.name)
            }
            values[OptionKey.kebab(member.key)] = value
        }
        return RecipeStep(pass: Self.name, options: values)
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

}
