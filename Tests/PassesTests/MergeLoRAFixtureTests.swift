import Foundation
import Testing
import NumericTolerance
import HuggingFace
import ModelIR
import Runtime
import SafeTensors
import TensorCore
@testable import Passes

/// The committed PEFT fixtures (scripts/fixtures/generate_lora.py, peft 0.21) and their oracles:
/// `merged.safetensors` (PEFT's `merge_and_unload`, HF names) and `outputs.json` (the unmerged
/// PeftModel's outputs on a fixed batch).
enum LoRAFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    /// Adapter fixture → its base model fixture.
    static let bases = ["bert-lora": "tiny-bert", "bert-rslora": "tiny-bert", "bert-bias-all": "tiny-bert", "gpt2-lora": "tiny-gpt2",
                        "gpt2-dora": "tiny-gpt2", "gpt2-save": "tiny-gpt2", "bert-cls-save": "tiny-bert-cls", "llama-lora": "tiny-llama",
                        "t5-lora": "tiny-flan-t5"]
    static let names = bases.keys.sorted()

    static func adapterDirectory(_ name: String) -> String { root + "/lora/" + name }

    static func model(_ base: String) throws -> Model { try ModelImporter.model(directory: root + "/" + base).graph }

    static func adapter(_ name: String, weight: Float = 1, for model: Model) throws -> LoRAAdapter {
        try PEFTAdapterImporter.adapter(directory: adapterDirectory(name), weight: weight, for: model.skeleton)
    }

    /// The base model of `name` and the same model after merge-lora with the given adapters.
    static func merge(_ adapters: [(name: String, weight: Float)], base: String) async throws -> (base: Model, merged: Model, result: PassResult) {
        let original = try model(base)
        var merged = original
        let context = PassContext(adapters: try adapters.map { try adapter($0.name, weight: $0.weight, for: original) })
        let result = try await MergeLoRA(options: .init()).run(on: &merged, context: context)
        return (original, merged, result)
    }

    struct Outputs: Decodable {
        let changed_parameters: [String]
        let input_ids: [[Int]]
        let last_hidden_state: [[[Float]]]?
        let logits: [[Float]]?
        let next_token_logits: [[Float]]?
    }

    static func outputs(_ name: String) throws -> Outputs {
        try JSONDecoder().decode(Outputs.self, from: Data(contentsOf: URL(fileURLWithPath: adapterDirectory(name) + "/outputs.json")))
    }

    /// The tensors of a golden safetensors file, renamed to IR tensor names and laid out as the
    /// IR holds them. This mapping is the test's own (written from transformers' module names),
    /// independent of the importer's.
    static func golden(_ path: String) throws -> [String: [Float]] {
        let file = try SafeTensorsFile(path: path)
        var result: [String: [Float]] = [:]
        for entry in file.entries {
            let values = try file.tensor(entry.name).floats()
            for (name, value) in irTensors(entry.name, values, entry.shape.dims) { result[name] = value }
        }
        return result
    }

    private static func irTensors(_ hf: String, _ values: [Float], _ dims: [Int]) -> [(String, [Float])] {
        var c = hf.split(separator: ".").map(String.init)
        let role = c.removeLast()
        if c.count >= 6, ["encoder", "decoder"].contains(c[0]), c[1] == "block" {  // T5: <stack>.block.i.layer.j.<module>.<part>
            let t5 = ["SelfAttention": "attention", "EncDecAttention": "cross_attention", "DenseReluDense": "mlp"]
            let parts = ["wi": "up", "wi_0": "gate", "wi_1": "up", "wo": "down", "q": "q", "k": "k", "v": "v", "o": "o"]
            let stack = c[0] == "encoder" ? "blocks.\(c[2])" : "decoder.blocks.\(c[2])"
            return [("\(stack).\(t5[c[5]]!).\(parts[c[6]]!).\(role)", values)]
        }
        if c.first == "bert" || c.first == "transformer" || c.first == "model" { c.removeFirst() }
        if c.count >= 4, c[0] == "layers" {  // Llama family: nn.Linear [out, in], names as LlamaForCausalLM's
            let llama = ["self_attn.q_proj": "attention.q", "self_attn.k_proj": "attention.k", "self_attn.v_proj": "attention.v",
                         "self_attn.o_proj": "attention.o", "mlp.gate_proj": "mlp.gate", "mlp.up_proj": "mlp.up", "mlp.down_proj": "mlp.down"]
            return [("blocks.\(c[1]).\(llama[c[2...].joined(separator: ".")]!).\(role)", values)]
        }
        switch c.joined(separator: ".") {
        case "classifier": return [("head.classifier.\(role)", values)]
        case "pooler.dense": return [("head.pooler.\(role)", values)]
        case "embeddings.word_embeddings", "wte": return [("embeddings.word", values)]
        case "wpe": return [("embeddings.position", values)]
        case "embeddings.LayerNorm": return [("embeddings.norm.\(role)", values)]
        case "ln_f": return [("head.final_norm.\(role)", values)]
        default: break
        }
        if c.count >= 3, c[0] == "encoder", c[1] == "layer" {
            let bert = ["attention.self.query": "attention.q", "attention.self.key": "attention.k",
                        "attention.self.value": "attention.v", "attention.output.dense": "attention.o",
                        "intermediate.dense": "mlp.up", "output.dense": "mlp.down",
                        "attention.output.LayerNorm": "attention_norm", "output.LayerNorm": "mlp_norm"]
            return [("blocks.\(c[2]).\(bert[c[3...].joined(separator: ".")]!).\(role)", values)]
        }
        precondition(c.count >= 3 && c[0] == "h", "unmapped golden tensor \(hf)")
        let block = "blocks.\(c[1])"
        // Conv1D weights are [in, out] in the checkpoint and [out, in] in the IR.
        let weight = role == "weight" ? transpose(values, rows: dims[0], columns: dims[1]) : values
        switch c[2...].joined(separator: ".") {
        case "attn.c_attn":  // rows q | k | v of the [3d, d] weight, elements of the [3d] bias
            let size = weight.count / 3
            return ["q", "k", "v"].enumerated().map { i, part in
                ("\(block).attention.\(part).\(role)", Array(weight[(i * size)..<((i + 1) * size)])) }
        case "attn.c_proj": return [("\(block).attention.o.\(role)", weight)]
        case "mlp.c_fc": return [("\(block).mlp.up.\(role)", weight)]
        case "mlp.c_proj": return [("\(block).mlp.down.\(role)", weight)]
        case "ln_1": return [("\(block).attention_norm.\(role)", values)]
        case "ln_2": return [("\(block).mlp_norm.\(role)", values)]
        default: preconditionFailure("unmapped golden tensor \(hf)")
        }
    }

    static func transpose(_ v: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: v.count)
        for i in 0..<rows { for j in 0..<columns { out[j * rows + i] = v[i * columns + j] } }
        return out
    }

    /// Checks that `merged` holds `golden` within `tolerance` and every other tensor of `base`
    /// bit for bit; returns the names of the tensors that differ from `base`.
    @discardableResult
    static func expect(_ merged: Model, equals golden: [String: [Float]], base: Model, tolerance: Float = 1e-6,
                       sourceLocation: SourceLocation = #_sourceLocation) -> Set<String> {
        let before = Dictionary(uniqueKeysWithValues: base.namedTensors.map { ($0.name, $0.tensor) })
        var changed: Set<String> = []
        for (name, tensor) in merged.namedTensors {
            if tensor != before[name] { changed.insert(name) }
            if let want = golden[name] {
                let diff = maxDifference(tensor.floats(), want)
                #expect(diff <= tolerance, "\(name): max |Δ| = \(diff) against PEFT", sourceLocation: sourceLocation)
            } else {
                #expect(tensor == before[name], "\(name) changed but PEFT left it", sourceLocation: sourceLocation)
            }
        }
        #expect(changed == Set(golden.keys), "changed tensors differ from PEFT's", sourceLocation: sourceLocation)
        return changed
    }
}

/// Oracle: PEFT 0.21 `merge_and_unload` (weights, tolerance 1e-6) and the unmerged PeftModel
/// forward (outputs, tolerance 1e-4), on the committed fixtures.
@Suite struct MergeLoRAFixtureTests {
    static let counters: [String: [String: Int]] = [
        "bert-lora": ["adapters-merged": 1, "linears-changed": 6],       // q, v, up × 2 layers
        "bert-rslora": ["adapters-merged": 1, "linears-changed": 4],     // k, o × 2
        "gpt2-lora": ["adapters-merged": 1, "linears-changed": 12],      // q, k, v, up (LoRA) + o, down (biases) × 2
        "gpt2-dora": ["adapters-merged": 1, "linears-changed": 8],       // q, k, v, down × 2
        "bert-bias-all": ["adapters-merged": 1, "linears-changed": 13],  // every bias of the 12 linears + the saved pooler
        "gpt2-save": ["adapters-merged": 1, "linears-changed": 8],       // up (LoRA) + q, k, v (saved c_attn) × 2
        "bert-cls-save": ["adapters-merged": 1, "linears-changed": 5],   // q, v × 2 + classifier
        "llama-lora": ["adapters-merged": 1, "linears-changed": 14],     // q, k, v, o, gate, up, down × 2
        "t5-lora": ["adapters-merged": 1, "linears-changed": 36],        // encoder 7 × 2, decoder (7 + cross q, k, v, o) × 2
    ]

    @Test(arguments: LoRAFixtures.names)
    func mergedWeightsMatchPEFT(name: String) async throws {
        let (base, merged, result) = try await LoRAFixtures.merge([(name, 1)], base: LoRAFixtures.bases[name]!)
        let golden = try LoRAFixtures.golden(LoRAFixtures.adapterDirectory(name) + "/merged.safetensors")
        LoRAFixtures.expect(merged, equals: golden, base: base)
        #expect(result.changed && result.counters == Self.counters[name])
    }

    @Test(arguments: LoRAFixtures.names)
    func mergedModelReproducesTheAdapterAppliedOutputs(name: String) async throws {
        let (_, merged, _) = try await LoRAFixtures.merge([(name, 1)], base: LoRAFixtures.bases[name]!)
        let golden = try LoRAFixtures.outputs(name)
        let model = PreparedModel(merged)
        let batch = TokenBatch(ids: golden.input_ids)
        if merged.config.causal {
            let out = try model.decode(batch)
            for b in 0..<batch.count {
                let hidden = maxDifference(out.hidden(sample: b), golden.last_hidden_state![b].flatMap { $0 })
                let logits = maxDifference(out.nextTokenLogits[b], golden.next_token_logits![b])
                #expect(hidden <= 1e-4 && logits <= 1e-4, "sample \(b): hidden max |Δ| = \(hidden), logits max |Δ| = \(logits)")
            }
        } else {
            let out = try model.encode(batch)
            for b in 0..<batch.count {
                if let logits = golden.logits {
                    let diff = maxDifference(try #require(out.logits)[b], logits[b])
                    #expect(diff <= 1e-4, "sample \(b): logits max |Δ| = \(diff)")
                } else {
                    let diff = maxDifference(out.hidden(sample: b), golden.last_hidden_state![b].flatMap { $0 })
                    #expect(diff <= 1e-4, "sample \(b): hidden max |Δ| = \(diff)")
                }
            }
        }
    }

    @Test(arguments: LoRAFixtures.names)
    func effectMatchesRunAndTheVerifierIsClean(name: String) async throws {
        let (base, merged, _) = try await LoRAFixtures.merge([(name, 1)], base: LoRAFixtures.bases[name]!)
        var skeleton = base.skeleton
        let pass = MergeLoRA(options: .init())
        #expect(pass.check(skeleton).isEmpty)
        pass.effect(on: &skeleton)
        #expect(merged.skeleton == skeleton)
        #expect(merged.verify().isEmpty)
    }

    /// Oracle: PEFT with two adapters loaded, each `set_scale`d to its weight, merged in order.
    @Test func weightedAdaptersMergeInOrderAsPEFTDoes() async throws {
        let (base, merged, result) = try await LoRAFixtures.merge([("bert-lora", 0.5), ("bert-rslora", 1)], base: "tiny-bert")
        LoRAFixtures.expect(merged, equals: try LoRAFixtures.golden(LoRAFixtures.root + "/lora/stacked/bert.safetensors"), base: base)
        #expect(result.counters == ["adapters-merged": 2, "linears-changed": 10])
        #expect(result.diagnostics.map(\.description) == [
            "adapter 'bert-lora': weight 0.5: LoRA updates of 6 linear(s) (rank 4), 0 tensor(s) replaced",
            "adapter 'bert-rslora': weight 1.0: LoRA updates of 4 linear(s) (rank 2, 8), 4 tensor(s) replaced",
        ])
    }

    /// Oracle: PEFT merging the same DoRA adapter twice (weights 0.5 and −0.25): each DoRA norm is
    /// taken on the weight before any adapter, not on the partly merged one.
    @Test func stackedDoRANormsUseTheUnmergedWeight() async throws {
        let (base, merged, _) = try await LoRAFixtures.merge([("gpt2-dora", 0.5), ("gpt2-dora", -0.25)], base: "tiny-gpt2")
        LoRAFixtures.expect(merged, equals: try LoRAFixtures.golden(LoRAFixtures.root + "/lora/stacked/gpt2-dora.safetensors"), base: base)
    }

    /// Oracle: the unmerged model. ΔW is linear in w for plain LoRA: merge(w) − W = w·(merge(1) − W).
    @Test(arguments: [Float(-1), 0.25, 2])
    func weightScalesTheUpdate(weight: Float) async throws {
        let (base, full, _) = try await LoRAFixtures.merge([("bert-lora", 1)], base: "tiny-bert")
        let (_, scaled, _) = try await LoRAFixtures.merge([("bert-lora", weight)], base: "tiny-bert")
        for ((name, w0), ((_, w1), (_, ww))) in zip(base.namedTensors, zip(full.namedTensors, scaled.namedTensors)) {
            let want = zip(w0.floats(), w1.floats()).map { $0 + weight * ($1 - $0) }
            #expect(maxDifference(ww.floats(), want) <= 2e-6, "\(name)")
        }
    }

    @Test func mergingKeepsTheBaseDType() async throws {
        var model = try LoRAFixtures.model("tiny-bert")
        let adapter = try LoRAFixtures.adapter("bert-lora", for: model)
        _ = try await Cast(options: { var o = Cast.Options(); o.dtype = .bf16; return o }()).run(on: &model, context: PassContext())
        _ = try await MergeLoRA(options: .init()).run(on: &model, context: PassContext(adapters: [adapter]))
        #expect(model.namedTensors.allSatisfy { $0.tensor.dtype == .bf16 })
    }
}
