/// Token strings ↔ ids: the model's vocabulary plus the added tokens (which win on a clash).
struct Vocabulary: Sendable {
    private(set) var ids: [String: Int]
    /// `tokens[id]`, nil for an id no token has.
    private(set) var tokens: [String?]

    init(model: [String: Int], added: [AddedToken]) {
        ids = model
        for token in added { ids[token.content] = token.id }
        let size = (model.values.max() ?? -1) + 1
        tokens = [String?](repeating: nil, count: max(size, (added.map(\.id).max() ?? -1) + 1))
        // Two tokens with one id: the smaller string is the id's token, whatever the hash order.
        for (token, id) in model {
            if let other = tokens[id], other < token { continue }
            tokens[id] = token
        }
        for token in added { tokens[token.id] = token.content }
    }

    var count: Int { tokens.count }

    /// The tokens of `ids`; throws for an id with no token.
    func tokens(of ids: [Int]) throws(TokenizerError) -> [String] {
        var out: [String] = []
        out.reserveCapacity(ids.count)
        for id in ids {
            guard id >= 0, id < tokens.count, let token = tokens[id] else {
                throw .idOutOfRange(id: id, vocabularySize: tokens.count)
            }
            out.append(token)
        }
        return out
    }
}
