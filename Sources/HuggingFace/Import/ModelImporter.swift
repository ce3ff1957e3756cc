import Foundation
import ModelIR
import SafeTensors
import TensorCore

/// A checkpoint imported into the IR, with what the importer did with every tensor.
public struct ImportedModel<T: TensorDescribing>: Sendable {
    public var graph: ModelGraph<T>
    /// The checkpoint directory.
    public var directory: String
    /// Checkpoint tensors accepted as non-parameter buffers (position ids, causal-mask buffers,
    /// a saved copy of a tied weight), sorted.
    public var buffers: [String]
    /// Every checkpoint tensor name the import consumed (parameters and buffers), sorted.
    public var consumed: [String]
}

/// Imports a Hugging Face checkpoint directory (config.json + safetensors) into the IR, as its
/// family's description (`HFFamily`) names it.
/// Every tensor of the checkpoint must be used exactly once; the result passes the verifier.
public enum ModelImporter {
    /// Headers only: no weight byte is read.
    public static func skeleton(directory: String) throws(ImportError) -> ImportedModel<TensorSpec> {
        let checkpoint = try open(directory)
        return try build(directory: directory, source: HeaderSource(checkpoint: checkpoint))
    }

    /// The weights, memory-mapped.
    public static func model(directory: String) throws(ImportError) -> ImportedModel<Tensor> {
        let checkpoint = try open(directory)
        return try build(directory: directory, source: MappedSource(checkpoint: checkpoint))
    }

    /// The normalised config of `directory/config.json`, without touching the weights.
    public static func config(directory: String) throws(ImportError) -> ModelConfig {
        try parse(try ConfigJSON(path: configPath(directory))).config
    }

    private static func configPath(_ directory: String) -> String {
        (directory as NSString).appendingPathComponent("config.json")
    }

    private static func open(_ directory: String) throws(ImportError) -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .notADirectory(path: directory)
        }
        guard FileManager.default.fileExists(atPath: configPath(directory)) else {
            throw .configMissing(path: directory)
        }
        do {
            return try Checkpoint(directory: directory)
        } catch {
            throw .checkpoint(error)
        }
    }

    private static func parse(_ json: ConfigJSON) throws(ImportError) -> (family: HFFamily, config: ModelConfig, tied: Bool, biases: BiasGroups?) {
        guard let modelType = json.string("model_type") else {
            throw .configInvalid(path: json.path, reason: "missing 'model_type'")
        }
        guard let architecture = Architecture(rawValue: modelType), let family = HFFamily.family(architecture) else {
            throw .unsupportedModelType(path: json.path, modelType: modelType)
        }
        // transformers' defaults: GPT-2 and T5 tied, Llama and Mistral untied, Qwen2 tied only when the config says so.
        return (family, try family.readConfig(json, architecture), json.bool("tie_word_embeddings", default: family.tiedByDefault),
                family.biases(json))
    }

    private static func build<S: WeightSource>(directory: String, source: S) throws(ImportError) -> ImportedModel<S.T> {
        let json = try ConfigJSON(path: configPath(directory))
        let (family, config, tied, biases) = try parse(json)
        if config.headCount == 0 || (config.declaredHeadDim == nil && config.hiddenSize % config.headCount != 0) {
            throw .configInvalid(path: json.path, reason: "hidden size \(config.hiddenSize) is not a multiple of the head count \(config.headCount)")
        }
        if config.kvHeadCount == 0 || config.headCount % config.kvHeadCount != 0 {
            throw .configInvalid(path: json.path, reason: "\(config.headCount) attention heads cannot share \(config.kvHeadCount) key/value heads evenly")
        }
        var taker = TensorTaker(source: source, directory: directory)
        let kept = try json.keptHeads(layers: config.layerCount, heads: config.headCount)
        let graph = try FamilyImporter.graph(family, config, biases: biases, keptHeads: kept, tied: tied, &taker)
        let unused = taker.unused
        guard unused.isEmpty else { throw .unusedTensors(names: unused, directory: directory) }
        let problems = graph.verify()
        guard problems.isEmpty else { throw .invalidGraph(problems) }
        return ImportedModel(graph: graph, directory: directory, buffers: taker.buffers.sorted(),
                             consumed: taker.used.sorted())
    }
}
