/// What `addSpecialTokens` puts around a single text's ids: tokenizer.json `post_processor`
/// (TemplateProcessing `single`, BertProcessing, RobertaProcessing; ByteLevel adds nothing).
struct PostProcessor: Sendable, Equatable {
    var prefix: [Int] = []
    var prefixTypeIds: [Int] = []
    var suffix: [Int] = []
    var suffixTypeIds: [Int] = []
    /// The type id of the text's own tokens.
    var sequenceTypeId = 0

    /// Adds nothing (GPT-2).
    static let none = PostProcessor()

    /// `[cls] $A [sep]`, all type 0 (BertProcessing, RobertaProcessing, BERT's template).
    static func wrapping(_ first: Int, _ last: Int) -> PostProcessor {
        PostProcessor(prefix: [first], prefixTypeIds: [0], suffix: [last], suffixTypeIds: [0])
    }

    /// How many ids it adds.
    var addedCount: Int { prefix.count + suffix.count }

    /// `outer` applied to the output of `self` (a `Sequence` of processors): the outer template
    /// gives every inner id, specials included, its sequence type id.
    func followed(by outer: PostProcessor) -> PostProcessor {
        if outer == .none { return self }
        let t = outer.sequenceTypeId
        return PostProcessor(
            prefix: outer.prefix + prefix, prefixTypeIds: outer.prefixTypeIds + prefix.map { _ in t },
            suffix: suffix + outer.suffix, suffixTypeIds: suffix.map { _ in t } + outer.suffixTypeIds,
            sequenceTypeId: t)
    }

    /// The final encoding of `content`, the text's ids, truncated to fit `maxLength`.
    func encoding(of content: [Int], addSpecialTokens: Bool, maxLength: Int?) -> Encoding {
        var content = content
        var truncated = false
        if let maxLength {
            let budget = max(0, maxLength - (addSpecialTokens ? addedCount : 0))
            if content.count > budget {
                content.removeSubrange(budget...)
                truncated = true
            }
        }
        guard addSpecialTokens else {
            return Encoding(ids: content, typeIds: [Int](repeating: 0, count: content.count), truncated: truncated)
        }
        return Encoding(ids: prefix + content + suffix,
                        typeIds: prefixTypeIds + [Int](repeating: sequenceTypeId, count: content.count) + suffixTypeIds,
                        truncated: truncated)
    }
}
