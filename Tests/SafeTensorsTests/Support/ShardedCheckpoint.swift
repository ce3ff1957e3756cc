import TensorCore
@testable import SafeTensors

/// A two-shard checkpoint written into `dir`:
/// `model-00001-of-00002.safetensors` = {a.weight, b.bias}, `model-00002-of-00002.safetensors` =
/// {c.weight}, and an index mapping each to its shard (plus the usual `metadata.total_size`).
struct ShardedCheckpoint {
    static let first = "model-00001-of-00002.safetensors"
    static let second = "model-00002-of-00002.safetensors"

    let tensors: [String: Tensor] = [
        "a.weight": patternTensor(.f32, [4, 2], seed: 1),
        "b.bias": patternTensor(.f16, [3], seed: 2),
        "c.weight": patternTensor(.bf16, [2, 2], seed: 3),
    ]
    let dir: TemporaryDirectory

    init(in dir: TemporaryDirectory, weightMap: [String: String]? = nil) throws {
        self.dir = dir
        try SafeTensorsWriter.write(["a.weight": tensors["a.weight"]!, "b.bias": tensors["b.bias"]!],
                                    metadata: ["format": "pt"], to: dir.file(Self.first))
        try SafeTensorsWriter.write(["c.weight": tensors["c.weight"]!], metadata: ["format": "np"],
                                    to: dir.file(Self.second))
        writeIndex(weightMap ?? ["a.weight": Self.first, "b.bias": Self.first, "c.weight": Self.second])
    }

    var indexPath: String { dir.file(Checkpoint.indexFileName) }

    /// `{"metadata":{"total_size":…},"weight_map":{…}}`, keys sorted.
    func writeIndex(_ weightMap: [String: String]) {
        let entries = weightMap.keys.sorted().map { #""\#($0)":"\#(weightMap[$0]!)""# }.joined(separator: ",")
        writeIndexText(#"{"metadata":{"total_size":48},"weight_map":{"# + entries + "}}")
    }

    func writeIndexText(_ text: String) {
        dir.writeText(text, to: Checkpoint.indexFileName)
    }
}
