import Foundation
import HuggingFace
import ModelIR
import Runtime
import Tokenizers

/// `pare run`: tokenizes texts with the model's own tokenizer and runs the model: sentence
/// embeddings (and classifier logits) for encoders, a greedy continuation and the top next-token
/// candidates for GPT-2.
public enum Run {
    public struct Options: Sendable {
        public var texts: [String]
        /// Tokens per text including specials; nil = the model's limit (sentence-transformers'
        /// `max_seq_length` when the checkpoint has one, else `max_position_embeddings`).
        public var maxLength: Int?
        public var newTokens: Int
        public var topK: Int
        /// λ of token elimination; nil = the artifact's default λ when it carries a profile.
        public var lambda: Double?
        /// Overrides the profile's elimination mode.
        public var mode: EliminationProfile.Mode?

        public init(texts: [String], maxLength: Int? = nil, newTokens: Int = 20, topK: Int = 5, lambda: Double? = nil,
                    mode: EliminationProfile.Mode? = nil) {
            self.texts = texts
            self.maxLength = maxLength
            self.newTokens = newTokens
            self.topK = topK
            self.lambda = lambda
            self.mode = mode
        }
    }

    /// Runs the model; `warn` receives one line per truncated input.
    public static func run(path: String, options: Options, warn: (String) -> Void = { _ in }) throws(DriverError) -> RunReport {
        guard !options.texts.isEmpty else { throw .usage("no input text", "pass --text \"...\" (repeatable) or --file FILE") }
        let source = try ModelSource.load(path)
        let tokenizer = try source.tokenizer(path: path)
        let c = source.model.config
        let prepared = PreparedModel(source.model)
        let elimination = try Elimination.chosen(for: source.model, lambda: options.lambda, mode: options.mode)
        let limit = try maxLength(options, config: c, sentenceLimit: source.maxSequenceLength)

        var inputs: [RunReport.Input] = []
        var batch: [[Int]] = []
        for (i, text) in options.texts.enumerated() {
            // Encoders keep the start (with [CLS] … [SEP]); a prompt keeps its end, nearest the
            // continuation, and the specials the tokenizer adds (Llama's <s>).
            let (ids, full) = PromptEncoding.ids(text, tokenizer: tokenizer, limit: limit, causal: c.causal)
            guard !ids.isEmpty else {
                throw .input(path: "input \(i)", "the text has no tokens", "pass a non-empty text")
            }
            let truncated = full > ids.count
            if truncated {
                warn("input \(i): \(full) tokens truncated to \(ids.count) (the model's limit is \(limit)); pass --max-length to change it")
            }
            batch.append(ids)
            inputs.append(RunReport.Input(text: text, ids: ids, truncated: truncated))
        }
        do {
            if c.decoderLayerCount != nil {
                // Encoder-decoder (T5): the encoder reads the text (elimination applies there), the
                // decoder continues greedily from its start token until </s> or --max-new-tokens.
                for i in inputs.indices {
                    inputs[i].next = top(try prepared.firstStepLogits(input: batch[i], elimination: elimination), k: options.topK, tokenizer)
                    inputs[i].tokensKept = try prepared.encode(TokenBatch(ids: [batch[i]]), elimination: elimination).keptCounts[0]
                    var generated = try prepared.generate(input: batch[i], count: options.newTokens, elimination: elimination)
                    if let eos = tokenizer.specialTokens.eos, let end = generated.firstIndex(of: eos) { generated = Array(generated[...end]) }
                    inputs[i].continuation = generated
                    inputs[i].continuationText = (try? tokenizer.decode(generated.filter { $0 != tokenizer.specialTokens.eos })) ?? ""
                }
            } else if c.causal {
                for i in inputs.indices {
                    let out = try prepared.decode(TokenBatch(ids: [batch[i]]), elimination: elimination)
                    inputs[i].next = top(out.nextTokenLogits[0], k: options.topK, tokenizer)
                    inputs[i].tokensKept = out.keptCounts[0]
                    let count = min(options.newTokens, c.maxPositions - batch[i].count)
                    let generated = try prepared.generate(prompt: batch[i], count: count, elimination: elimination)
                    inputs[i].continuation = generated
                    inputs[i].continuationText = (try? tokenizer.decode(generated)) ?? ""
                }
            } else {
                let out = try prepared.encode(TokenBatch(ids: batch), elimination: elimination)
                for (i, e) in out.sentenceEmbeddings().enumerated() {
                    inputs[i].embedding = e
                    inputs[i].logits = out.logits?[i]
                    inputs[i].tokensKept = out.keptCounts[i]
                }
            }
        } catch {
            throw .runtime(error)
        }
        return RunReport(model: source.name, architecture: c.architecture.rawValue, maxLength: limit,
                         lambda: elimination?.lambda, inputs: inputs)
    }

    private static func maxLength(_ options: Options, config: ModelConfig, sentenceLimit: Int?) throws(DriverError) -> Int {
        if let n = options.maxLength {
            guard (1...config.maxPositions).contains(n) else {
                throw .usage("--max-length \(n) is outside 1...\(config.maxPositions)", "the model has \(config.maxPositions) positions")
            }
            return n
        }
        if config.causal { return max(1, config.maxPositions - options.newTokens) }
        return min(sentenceLimit ?? config.maxPositions, config.maxPositions)
    }

    /// The k most likely next tokens, probabilities from a softmax over all logits.
    static func top(_ logits: [Float], k: Int, _ tokenizer: any Tokenizer) -> [RunReport.Candidate] {
        let maximum = logits.max() ?? 0
        let total = logits.reduce(0.0) { $0 + exp(Double($1 - maximum)) }
        let order = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        return order.prefix(k).map { id in
            RunReport.Candidate(id: id, token: (try? tokenizer.decode([id])) ?? "",
                                probability: exp(Double(logits[id] - maximum)) / total)
        }
    }
}
