import Foundation

/// What `pare run` produced, per input text.
public struct RunReport: Codable, Sendable, CommandOutput {
    public struct Candidate: Codable, Sendable, Equatable {
        public var id: Int
        public var token: String
        public var probability: Double
    }

    public struct Input: Codable, Sendable {
        public var text: String
        public var ids: [Int]
        public var truncated: Bool
        /// Encoders: the L2-normalised mean-pooled sentence embedding.
        public var embedding: [Float]?
        /// Encoders with a classifier head.
        public var logits: [Float]?
        /// Causal LMs: greedy continuation ids and text, and the top next-token candidates.
        public var continuation: [Int]?
        public var continuationText: String?
        public var next: [Candidate]?
        /// N_0…N_L: tokens entering the first layer and leaving each layer.
        public var tokensKept: [Int]?

        init(text: String, ids: [Int], truncated: Bool) {
            self.text = text
            self.ids = ids
            self.truncated = truncated
        }
    }

    public var model: String
    public var architecture: String
    public var maxLength: Int
    /// λ of token elimination, when the model ran with it.
    public var lambda: Double?
    public var inputs: [Input]

    public func text() -> String {
        var out: [String] = []
        for (i, input) in inputs.enumerated() {
            let shown = input.text.count > 60 ? String(input.text.prefix(57)) + "..." : input.text
            out.append("[\(i)] \"\(shown)\"  (\(input.ids.count) tokens\(input.truncated ? ", truncated" : ""))")
            if let kept = input.tokensKept, let lambda, kept.last != kept.first {
                out.append("    tokens kept at λ = \(Format.fixed(lambda, 4)): " + kept.map(String.init).joined(separator: " → "))
            }
            if let e = input.embedding {
                let head = e.prefix(6).map { Format.fixed(Double($0), 4) }.joined(separator: ", ")
                out.append("    embedding[\(e.count)] = [\(head), ...]  (--json prints all)")
            }
            if let logits = input.logits {
                out.append("    logits = [" + logits.map { Format.fixed(Double($0), 4) }.joined(separator: ", ") + "]")
            }
            if let text = input.continuationText {
                out.append("    continuation: \(text.debugDescription)")
            }
            if let next = input.next {
                out.append("    next token: " + next.map { "\($0.token.debugDescription) \(Format.fixed($0.probability, 3))" }.joined(separator: ", "))
            }
        }
        if inputs.count > 1, inputs.allSatisfy({ $0.embedding != nil }) {
            out.append("")
            out.append("cosine similarity:")
            for i in inputs.indices {
                let row = inputs.indices.map { j in
                    Format.fixed(Double(zip(inputs[i].embedding!, inputs[j].embedding!).reduce(0) { $0 + $1.0 * $1.1 }), 3).padding(7, left: true)
                }
                out.append("  [\(i)]" + row.joined())
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
