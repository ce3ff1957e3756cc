/// The graphs' input and output names, as optimum names them (`ORTModelForFeatureExtraction`,
/// `ORTModelForCausalLM`) and the symbolic dimensions it declares.
enum IONames {
    static let ids = "input_ids"
    static let mask = "attention_mask"
    static let typeIds = "token_type_ids"
    static let positionIds = "position_ids"
    static let lastHiddenState = "last_hidden_state"
    static let logits = "logits"
    /// With elimination in an encoder graph: the original positions of the rows left, [B, N_L].
    static let keptPositions = "kept_positions"

    /// Layer l's cached keys or values entering the step, [B, g_l, P, d_h].
    static func past(_ l: Int, _ part: CachePart) -> String { "past_key_values.\(l).\(part.rawValue)" }
    /// Layer l's keys or values after the step, the past with this step's rows appended, [B, g_l, P + S, d_h].
    static func present(_ l: Int, _ part: CachePart) -> String { "present.\(l).\(part.rawValue)" }

    enum CachePart: String, CaseIterable {
        case key
        case value
    }

    static let batch = "batch_size"
    static let sequence = "sequence_length"
    static let pastSequence = "past_sequence_length"
    static let totalSequence = "past_sequence_length + sequence_length"
    static let keptSequence = "kept_sequence_length"
}
