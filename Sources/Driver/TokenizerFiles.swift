import Foundation
import Tokenizers

/// Loads a tokenizer from files held in memory (an artifact's manifest) by writing them to a
/// private temporary directory that is removed afterwards.
enum TokenizerFiles {
    static func load(_ files: [String: String], source: String) throws(DriverError) -> any Tokenizer {
        let directory = NSTemporaryDirectory() + "pare-tokenizer-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try FileManager.default.createDirectory(atPath: directory + "/1_Pooling", withIntermediateDirectories: true)
            for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: false, encoding: .utf8) }
        } catch {
            throw .input(path: NSTemporaryDirectory(), "cannot write the tokenizer files (\(error))", "check the temporary directory is writable")
        }
        do {
            return try TokenizerLoader.load(directory: directory)
        } catch {
            throw .input(path: source, "its tokenizer does not load (\(error))", "recompile it from a model directory with tokenizer files")
        }
    }
}
