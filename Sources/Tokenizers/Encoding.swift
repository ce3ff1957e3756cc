/// The ids of one encoded text.
public struct Encoding: Sendable, Equatable {
    /// Token ids, specials included when asked for.
    public var ids: [Int]
    /// Segment ids (BERT `token_type_ids`), one per id: 0 for a single text.
    public var typeIds: [Int]
    /// True when `maxLength` dropped at least one of the text's tokens.
    public var truncated: Bool

    public init(ids: [Int], typeIds: [Int], truncated: Bool) {
        self.ids = ids
        self.typeIds = typeIds
        self.truncated = truncated
    }
}
