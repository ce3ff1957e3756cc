import Foundation
import Testing
@testable import Passes

@Suite struct RecipeTests {
    @Test(arguments: [
        "cast",
        "cast{dtype=f16}",
        "merge-lora,svd-lowrank{energy=0.9}",
        "svd-lowrank{energy=0.9,select=blocks.*.mlp.{up,down}},print-ir",
        "head-prune{heads=[1,2,3],fraction=0.25}",
        "cast{select=\"a,b\"}",
    ])
    func textFormRoundTrips(text: String) throws {
        let recipe = try RecipeText.parse(text)
        #expect(try RecipeText.parse(recipe.description) == recipe)
        // ... and through the file form.
        #expect(try RecipeLoader.parse(RecipeLoader.yaml(recipe), source: "x.yaml").steps == recipe.steps)
    }

    @Test func textFormValues() throws {
        let step = try RecipeText.parse("p{a=1,b=0.5,c=true,d=blocks.*.attention.{q,k,v},e=[1,2],f=\"x=y\"}").steps[0]
        #expect(step.options == ["a": .int(1), "b": .double(0.5), "c": .bool(true),
                                 "d": .string("blocks.*.attention.{q,k,v}"), "e": .list([.int(1), .int(2)]),
                                 "f": .string("x=y")])
        #expect(step.description == "p{a=1,b=0.5,c=true,d=blocks.*.attention.{q,k,v},e=[1,2],f=\"x=y\"}")
    }

    @Test func textFormSyntaxErrors() {
        #expect(throws: PassError.recipeSyntax(source: "--recipe", reason: "unbalanced brackets or quotes in 'cast{dtype=f16'")) {
            try RecipeText.parse("cast{dtype=f16")
        }
        #expect(throws: PassError.recipeSyntax(source: "--recipe", reason: "'dtype' in cast must read key=value")) {
            try RecipeText.parse("cast{dtype}")
        }
        #expect(throws: PassError.recipeSyntax(source: "--recipe", reason: "empty step in 'cast,,print-ir'")) {
            try RecipeText.parse("cast,,print-ir")
        }
    }

    @Test func yamlAndJSONFiles() throws {
        let yaml = """
            version: 1
            summary: Store weights as bf16.
            steps:
              - pass: cast
                options:
                  dtype: bf16
                  select: "blocks.*.mlp.*"
              - pass: print-ir
            """
        let recipe = try RecipeLoader.parse(yaml, source: "r.yaml")
        #expect(recipe.description == "cast{dtype=bf16,select=blocks.*.mlp.*},print-ir")
        #expect(recipe.summary == "Store weights as bf16.")
        let json = #"{"version": 1, "steps": [{"pass": "cast", "options": {"dtype": "bf16", "select": "blocks.*.mlp.*"}}, {"pass": "print-ir"}]}"#
        #expect(try RecipeLoader.parse(json, source: "r.json").steps == recipe.steps)
    }

    @Test func fileStructureErrors() {
        #expect(throws: PassError.recipeSyntax(source: "r.yaml", reason: "unknown key 'stpes' (allowed: version, summary, steps)")) {
            try RecipeLoader.parse("stpes: []", source: "r.yaml")
        }
        #expect(throws: PassError.recipeSyntax(source: "r.yaml", reason: "step 1 must be a mapping with a 'pass' name")) {
            try RecipeLoader.parse("steps: [cast]", source: "r.yaml")
        }
        #expect(throws: PassError.recipeSyntax(source: "r.yaml", reason: "version 2 is not supported (this Pare reads version 1)")) {
            try RecipeLoader.parse("version: 2\nsteps: []", source: "r.yaml")
        }
    }

    @Test func pipelineErrorsNameTheStepAndKey() {
        #expect(throws: PassError.unknownPass(step: 1, name: "cats", suggestion: "cast")) {
            try Pipeline(recipe: RecipeText.parse("print-ir,cats"))
        }
        #expect(throws: PassError.unknownPass(step: 0, name: "quantize-everything", suggestion: nil)) {
            try Pipeline(recipe: RecipeText.parse("quantize-everything"))
        }
        #expect(throws: PassError.unknownOption(step: 0, pass: "cast", key: "dtyp", known: ["dtype", "embeddings", "select"])) {
            try Pipeline(recipe: RecipeText.parse("cast{dtyp=f16}"))
        }
        #expect(throws: PassError.wrongType(step: 0, pass: "cast", key: "embeddings", expected: "true or false")) {
            try Pipeline(recipe: RecipeText.parse("cast{embeddings=3}"))
        }
        #expect(throws: PassError.invalidOption(step: 0, pass: "cast", key: "dtype", value: "i8", expected: "f32, f16 or bf16")) {
            try Pipeline(recipe: RecipeText.parse("cast{dtype=i8}"))
        }
        #expect(PassError.unknownPass(step: 1, name: "cats", suggestion: "cast").description
                == "recipe step 2: unknown pass 'cats'; did you mean 'cast'?")
    }

    @Test func canonicalRecipeListsEveryOption() throws {
        let pipeline = try Pipeline(recipe: RecipeText.parse("cast{dtype=bf16},print-ir"))
        #expect(pipeline.canonicalRecipe.description == "cast{dtype=bf16,embeddings=true,select=**},print-ir")
        #expect(try Pipeline(recipe: pipeline.canonicalRecipe).canonicalRecipe == pipeline.canonicalRecipe)
    }
}

/// `--recipe NAME`: a bare name is a recipe of the shipped folders; a pass name stays the text form.
@Suite struct RecipeLookupTests {
    @Test func bareNamesResolveToShippedRecipes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pare-recipes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = "version: 1\nsteps:\n  - pass: cast\n    options: {dtype: bf16}\n"
        for name in ["mine.yaml", "cast.yaml"] { try yaml.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        let named = try RecipeLoader.load("mine", recipeDirectories: [dir + "/missing", dir])
        #expect(named.steps == [RecipeStep(pass: "cast", options: ["dtype": .string("bf16")])])
        #expect(try RecipeLoader.load("cast", recipeDirectories: [dir]).steps == [RecipeStep(pass: "cast", options: [:])])
        #expect(RecipeLoader.recipe(named: "../mine", in: [dir]) == nil)
        // Not found: the text form, a step the pipeline then rejects as an unknown pass.
        #expect(try RecipeLoader.load("mine", recipeDirectories: []).steps == [RecipeStep(pass: "mine")])
    }
}
