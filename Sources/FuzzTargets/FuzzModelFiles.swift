import Foundation
import JSON
import HuggingFace
import ModelIR
import Report
import SafeTensors
import TensorCore

/// The targets whose input is part of a Hugging Face checkpoint or a PEFT adapter.
enum FuzzModelFiles {
    /// Opens the input as `model.safetensors` and widens every tensor to floats, so that every
    /// declared byte range is read.
    static func safetensors(_ input: [UInt8]) -> FuzzTarget.Outcome {
        FuzzScratch.withFolder(files: [Checkpoint.singleFileName: input]) { directory in .of {
            let checkpoint = try Checkpoint(directory: directory)
            for name in checkpoint.names { _ = try checkpoint.tensor(name).floats() }
        } }
    }

    /// The input as `config.json`, beside the fixture weights of its `model_type` (tiny-bert
    /// when it names none that Pare knows), through import, the IR verifier and the static report.
    static func config(_ input: [UInt8]) -> FuzzTarget.Outcome {
        let weights = FuzzFixtures.path(fixture(forConfig: input) + "/" + Checkpoint.singleFileName)
        return FuzzScratch.withFolder(files: ["config.json": input], links: [Checkpoint.singleFileName: weights]) { directory in .of {
            _ = try ModelImporter.config(directory: directory)
            let skeleton = try ModelImporter.skeleton(directory: directory).graph
            guard skeleton.verify().allSatisfy({ $0.severity != .error }) else { return }
            _ = Report(ReportInput(model: "fuzz", workload: Workload(), before: skeleton))
        } }
    }

    /// The fixture checkpoint whose weights fit a config of this `model_type`.
    static func fixture(forConfig input: [UInt8]) -> String {
        let object = try? JSONParser.parse(input)
        switch object?["model_type"]?.stringValue {
        case "gpt2": return "tiny-gpt2"
        case "llama": return "tiny-llama"
        case "mistral": return "tiny-mistral"
        case "qwen2": return "tiny-qwen2"
        case "t5": return object?["feed_forward_proj"]?.stringValue?.hasPrefix("gated") == true ? "tiny-flan-t5" : "tiny-t5"
        default: return "tiny-bert"
        }
    }

    /// tiny-bert's skeleton, which adapters are checked against.
    static let tinyBERT: Skeleton? = try? ModelImporter.skeleton(directory: FuzzFixtures.path("tiny-bert")).graph

    /// `adapter_config.json` up to the first NUL byte, `adapter_model.safetensors` after it
    /// (absent when there is no NUL), checked and loaded against tiny-bert.
    static func adapter(_ input: [UInt8]) -> FuzzTarget.Outcome {
        guard let skeleton = tinyBERT else { fatalError("pare-fuzz: tiny-bert fixture not found under \(FuzzFixtures.directory)") }
        let split = input.firstIndex(of: 0)
        var files = [PEFTAdapterImporter.configFileName: Array(input[..<(split ?? input.endIndex)])]
        if let split { files[PEFTAdapterImporter.weightsFileName] = Array(input[(split + 1)...]) }
        return FuzzScratch.withFolder(files: files) { directory in .of {
            _ = try PEFTAdapterImporter.check(directory: directory, for: skeleton)
            _ = try PEFTAdapterImporter.adapter(directory: directory, for: skeleton)
        } }
    }
}
