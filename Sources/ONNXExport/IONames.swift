/// The graphs' input and output names, as optimum names them (`ORTModelForFeatureExtraction`,
/// `ORTModelForCausalLM`) and the symbolic dimensions it declares.
enum IONames {
    static let ids = "input_ids"
    static let mask = "attention_mask"
    static let typeIds = "token_type_ids"
    static let positionIds = "position_ids"
    static let lastHiddenState = "last_hidden_state"
    static let logits = "logits"
    /// An encoder-decoder's decoder inputs: the encoder's output [B, E, d] and its padding mask [B, E].
    static let encoderHiddenStates = "encoder_hidden_states"
    static let encoderMask = "encoder_attention_mask"
    /// With elimination in an encoder graph: the original positions of the rows left, [B, N_L].
    static let keptPositions = "kept_positions"

    /// Layer l's cached keys or values entering the step, [B, g_l, P, d_h].
    static func past(_ l: Int, _ part: CachePart) -> String { "past_key_values.\(l).\(part.rawValue)" }
    /// Layer l's keys or values after the step, the past with this step's rows appended, [B, g_l, P + S, d_h].
    static func present(_ l: Int, _ part: CachePart) -> String { "present.\(l).\(part.rawValue)" }

    /// An encoder-decoder's cache entering a decoder step: layer l's self-attention keys or values
    /// (`decoder`, [B, h_l, P, d_h]) or its cross-attention ones over the encoder output
    /// (`encoder`, [B, h_c, E, d_h]), as optimum names them (`past_key_values.0.decoder.key`).
    static func past(_ l: Int, _ stack: CacheStack, _ part: CachePart) -> String { "past_key_values.\(l).\(stack.rawValue).\(part.rawValue)" }
    /// The same after the step (`present.0.encoder.value`); the decoder's grows by the step's rows.
    static func present(_ l: Int, _ stack: CacheStack, _ part: CachePart) -> String { "present.\(l).\(stack.rawValue).\(part.rawValue)" }

    enum CacheStack: String, CaseIterable {
        case decoder
        case encoder
    }

    enum CachePart: String, CaseIterable {
        case key
        case value
    }

    static let batch = "batch_size"
    static let sequence = "sequence_length"
    static let pastSequence = "past_sequence_length"
    static let totalSequence = "past_sequence_length + sequence_length"
    static let keptSequence = "kept_sequence_length"
    static let encoderSequence = "encoder_sequence_length"
    static let decoderSequence = "decoder_sequence_length"
    static let pastDecoderSequence = "past_decoder_sequence_length"
    static let totalDecoderSequence = "past_decoder_sequence_length + decoder_sequence_length"
}
