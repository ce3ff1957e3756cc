import Foundation
import Testing
@testable import Passes

/// Recipe files from elsewhere: what `make fuzz` found, and the anchor scan that guards Yams.
@Suite struct RecipeHostileTests {
    func reason(_ text: String) -> String? {
        do {
            _ = try RecipeLoader.parse(text, source: "r.yaml")
            return nil
        } catch let .recipeSyntax(_, reason) {
            return reason
        } catch {
            return "\(error)"
        }
    }

    /// Yams' untyped `load` trapped on a mapping used as a key (fuzz/regressions/recipe/yams-mapping-as-key).
    @Test func aMappingAsAKeyIsAnError() {
        #expect(reason("{a: 1}: 2\nversion: 1\nsteps: []\n") == "the top level has a key that is not a plain name (line 1)")
        #expect(reason("version: 1\nsteps:\n  - pass: cast\n    options: {[x]: 1}\n")
            == "step 1 (cast) options has a key that is not a plain name (line 4)")
    }

    /// Nested aliases cost Yams exponential time (fuzz/regressions/recipe/alias-as-mapping-key.yaml).
    @Test func anchorsAndAliasesAreRefusedBeforeComposing() throws {
        let regression = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/PassesTests/RecipeHostileTests.swift",
                                                                                    with: "fuzz/regressions/recipe/alias-as-mapping-key.yaml"), encoding: .utf8)
        #expect(reason(regression) == "line 5 uses a YAML anchor or alias (& or *), which recipes do not accept; write the value out")
        #expect(RecipeLoader.firstAnchorOrAlias(in: "steps:\n  - &s {pass: cast}\n") == 2)
        #expect(RecipeLoader.firstAnchorOrAlias(in: "steps: [*s]") == 1)
        #expect(RecipeLoader.firstAnchorOrAlias(in: "a: 1\nb: [1, *x]") == 2)
        #expect(RecipeLoader.firstAnchorOrAlias(in: "? &k a\n: 1") == 1)
    }

    /// `&` and `*` inside values, quotes and comments are not anchors.
    @Test(arguments: ["summary: R&D, 2*3 and a &b\n", "select: blocks.*.mlp.{up,down}\n", "pattern: \"*\"\n", "x: '&y'\n",
                      "x: 'it''s &z'\n", "x: \"a\\\" &q\"\n", "x: 1 # &c *d\n", "x: \"multi\n  &line\"\n"])
    func ampersandsAndStarsInsideValuesAreNotAnchors(text: String) {
        #expect(RecipeLoader.firstAnchorOrAlias(in: text) == nil)
    }

    @Test func tooManyNodesAreRefused() {
        let list = "[" + Array(repeating: "1", count: RecipeLoader.maxNodes + 1).joined(separator: ",") + "]"
        #expect(reason("version: 1\nsteps:\n  - pass: cast\n    options: {heads: \(list)}\n")
            == "more than \(RecipeLoader.maxNodes) YAML nodes; a recipe is a short list of steps")
    }

    @Test func valuesKeepTheirYAMLTypes() throws {
        let recipe = try RecipeLoader.parse("version: 1\nsummary: s\nsteps:\n  - pass: p\n    options: {a: 1, b: 0.5, c: true, d: x, e: [1, \"2\"], f: \"3\"}\n",
                                            source: "r.yaml")
        #expect(recipe.summary == "s")
        #expect(recipe.steps[0].options == ["a": .int(1), "b": .double(0.5), "c": .bool(true), "d": .string("x"),
                                            "e": .list([.int(1), .string("2")]), "f": .string("3")])
        #expect(reason("version: 2\nsteps: []\n") == "version 2 is not supported (this Pare reads version 1)")
        #expect(reason("version: \"1\"\nsteps: []\n") == "version \"1\" is not supported (this Pare reads version 1)")
        #expect(reason("version: 1\nsteps:\n  - pass: p\n    options: {a: null}\n") == "step 1 (p): option 'a' has an unsupported value")
    }
}
