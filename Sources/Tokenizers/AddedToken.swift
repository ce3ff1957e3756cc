/// One entry of tokenizer.json `added_tokens`: a string matched in the text before (or, with
/// `normalized`, after) normalization, and given `id` whole instead of going through the model.
struct AddedToken: Sendable, Equatable {
    var id: Int
    var content: String
    /// Matches only when not inside a word (no `\w` scalar right before or after it).
    var singleWord = false
    /// Takes the whitespace on its left (right) into the match.
    var lstrip = false
    var rstrip = false
    /// Matched in the normalized text rather than the raw text.
    var normalized = false
    /// A special token (`[CLS]`, `<|endoftext|>`, …).
    var special = true
}
