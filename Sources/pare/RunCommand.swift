import ArgumentParser
import Driver
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model on text: sentence embeddings for encoders, a greedy continuation for GPT-2.",
        discussion: """
            Texts are tokenized with the model's own tokenizer. Several --text options, or the lines of \
            --file (blank lines skipped), form one batch. A text longer than the model's limit is \
            truncated with a warning on stderr (encoders keep the start, GPT-2 prompts keep the end).
            """)

    @Argument(help: "A Hugging Face model directory or a .pare artifact.")
    var path: String

    @Option(name: .customLong("text"), help: "A text to run (repeatable).")
    var texts: [String] = []

    @Option(help: "A file with one text per line.")
    var file: String?

    @Option(help: "Maximum tokens per text, specials included (default: the model's limit).")
    var maxLength: Int?

    @Option(help: "GPT-2: tokens to generate greedily.")
    var maxNewTokens: Int = 20

    @Option(help: "GPT-2: next-token candidates to show.")
    var topK: Int = 5

    @Option(help: "λ of token elimination (default: the artifact's λ when it carries a profile; larger keeps more tokens).")
    var lambda: Double?

    @Option(help: "What eliminated tokens become: drop or merge (default: the artifact's mode).")
    var eliminationMode: EliminationMode?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard maxNewTokens >= 0, topK >= 1 else { throw ValidationError("--max-new-tokens must be ≥ 0 and --top-k ≥ 1") }
    }

    func run() throws {
        var all = texts
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let content = String(data: data, encoding: .utf8) else {
                fail(.input(path: file, "cannot read the file as UTF-8 text", "pass a readable text file with one input per line"))
            }
            all += content.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
        }
        do {
            let report = try Run.run(path: path, options: .init(texts: all, maxLength: maxLength, newTokens: maxNewTokens, topK: topK, lambda: lambda,
                                                                mode: eliminationMode),
                                     warn: { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) })
            print(json ? report.json() : report.text(), terminator: "")
        } catch {
            fail(error)
        }
    }
}
