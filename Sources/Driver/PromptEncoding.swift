import Tokenizers

/// A text's ids as transformers' `tokenizer(text)` gives them, with the specials its
/// post-processor adds (Llama and Mistral: `<s>` first; GPT-2 and Qwen2: none; BERT: `[CLS] … [SEP]`),
/// cut to a limit: an encoder's input keeps its start, a decoder's prompt keeps its end (nearest
/// the continuation) and its specials.
enum PromptEncoding {
    /// The ids of `text` (`full`: before any cut) at most `limit` long.
    static func ids(_ text: String, tokenizer: any Tokenizer, limit: Int, causal: Bool) -> (ids: [Int], full: Int) {
        let with = tokenizer.encode(text, addSpecialTokens: true, maxLength: nil).ids
        guard with.count > limit else { return (with, with.count) }
        guard causal else { return (tokenizer.encode(text, addSpecialTokens: true, maxLength: limit).ids, with.count) }
        return (keepingEnd(with, text: tokenizer.encode(text, addSpecialTokens: false, maxLength: nil).ids, limit: limit), with.count)
    }

    /// The last ids of `text` inside the specials that surround it in `with` (leading [k] and
    /// trailing ones kept), `limit` in all; the last `limit` of `with` when `text` is not a run
    /// of it.
    static func keepingEnd(_ with: [Int], text: [Int], limit: Int) -> [Int] {
        guard text.count <= with.count,
              let k = (0...(with.count - text.count)).first(where: { with[$0..<($0 + text.count)].elementsEqual(text) }) else {
            return Array(with.suffix(limit))
        }
        let lead = with[..<k], trail = with[(k + text.count)...]
        guard lead.count + trail.count < limit else { return Array(with.suffix(limit)) }
        return Array(lead) + text.suffix(limit - lead.count - trail.count) + Array(trail)
    }
}
