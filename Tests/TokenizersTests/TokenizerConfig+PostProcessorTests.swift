import Foundation
import Testing
@testable import Tokenizers

/// transformers' LlamaTokenizerFast rebuilds the post-processor from tokenizer_config.json's
/// add_bos_token / add_eos_token (defaults true / false). Oracle: transformers' AutoTokenizer on
/// the Mistral fixtures with edited configs (sentencepiece/transformers-ids.json, exact).
@Suite struct TokenizerConfigPostProcessorTests {
    struct Variant: Decodable {
        let edit: [String: Bool?]
        let ids: [[Int]]
    }

    struct Oracle: Decodable {
        let texts: [String]
        let tokenizers: [String: [String: Variant]]
    }

    static let oracle = try! JSONDecoder().decode(
        Oracle.self, from: Data(contentsOf: URL(fileURLWithPath: SentencePieceFixtures.directory + "/transformers-ids.json")))

    /// A copy of fixture `name` with its tokenizer_config.json edited (nil removes the key).
    static func edited(_ name: String, _ edit: [String: Bool?]) throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        let source = SentencePieceFixtures.directory + "/" + name
        dir.write(try SentencePieceFixtures.compressedFile(name + "/tokenizer.json.zst"), to: "tokenizer.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "/tokenizer_config.json"))) as! [String: Any]
        for (key, value) in edit { config[key] = value }
        dir.writeJSON(config, to: "tokenizer_config.json")
        return dir
    }

    @Test(arguments: ["mistral-v1", "mistral-v1-legacy"])
    func addBosAndEosTokenAsTransformersReadsThem(name: String) throws {
        let variants = try #require(Self.oracle.tokenizers[name])
        #expect(variants.keys.sorted() == ["as-written", "defaults", "eos", "eos-no-bos", "no-bos"])
        for (variant, golden) in variants.sorted(by: { $0.key < $1.key }) {
            let dir = try Self.edited(name, golden.edit)
            let tokenizer = try TokenizerLoader.load(directory: dir.path)
            let ids = Self.oracle.texts.map { tokenizer.encode($0, addSpecialTokens: true, maxLength: nil).ids }
            #expect(ids == golden.ids, "\(name) \(variant)")
        }
    }

    @Test func addBosTokenWithoutABosTokenIsRefused() throws {
        let dir = try Self.edited("mistral-v1", ["add_eos_token": true])
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("tokenizer_config.json")))) as! [String: Any]
        config["eos_token"] = NSNull()
        dir.writeJSON(config, to: "tokenizer_config.json")
        #expect(throws: TokenizerError.invalidField(path: dir.file("tokenizer_config.json"), field: "eos_token",
                                                    expected: "a token, as add_eos_token is true")) {
            try TokenizerLoader.load(directory: dir.path)
        }
        config["eos_token"] = "<end>"
        dir.writeJSON(config, to: "tokenizer_config.json")
        #expect(throws: TokenizerError.unknownToken(path: dir.file("tokenizer_config.json"), field: "eos_token", token: "<end>")) {
            try TokenizerLoader.load(directory: dir.path)
        }
    }
}
