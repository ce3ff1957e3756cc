import ModelIR

extension PEFTAdapterImporter {
    /// Where a PEFT module (a name from the trained model's `named_modules()`) lands in the IR.
    enum Module: Equatable {
        /// A linear; `transposed` when the base module stores its weight [in, out] (GPT-2 `Conv1D`).
        case linear(LayerPath, transposed: Bool)
        /// GPT-2 `c_attn` of block i: q | k | v, weight stored [d, 3d].
        case fusedQKV(block: Int)
        /// A LayerNorm, by its IR prefix (`blocks.0.attention_norm`).
        case norm(String)
        /// An embedding table, by its IR tensor name (`embeddings.word`).
        case embedding(String)

        /// The block the module belongs to, if any.
        var block: Int? {
            switch self {
            case let .linear(path, _): path.blockIndex
            case let .fusedQKV(i): i
            case let .norm(prefix): LayerPath(prefix).blockIndex
            case .embedding: nil
            }
        }
    }

    /// The IR module of the Hugging Face module `name` in an `architecture` model, or nil: the
    /// first row of the family's description (`HFFamily`) that names it. Names are accepted with
    /// or without the base-model prefix (`bert.`, `transformer.`), as adapters trained on
    /// `BertModel` and on `BertForSequenceClassification` name them.
    static func module(_ name: String, _ architecture: Architecture) -> Module? {
        guard let family = HFFamily.family(architecture) else { return nil }
        let prefixes = family.basePrefix.isEmpty ? [""] : [family.basePrefix, ""]
        for row in family.modules {
            for prefix in prefixes {
                guard let i = row.match(name, prefix: prefix) else { continue }
                switch row.layout {
                case .linear: return .linear(LayerPath(row.ir(i)), transposed: false)
                case .conv1D: return .linear(LayerPath(row.ir(i)), transposed: true)
                case .fused: return .fusedQKV(block: i)
                case .norm: return family.adapterNorms ? .norm(row.ir(i)) : nil
                case .embedding, .copy: return .embedding(row.ir(i))
                case .table: return nil
                }
            }
        }
        return nil
    }
}
