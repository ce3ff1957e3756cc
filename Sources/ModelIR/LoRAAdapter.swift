import TensorCore

/// A PEFT LoRA adapter mapped onto the IR (data only: `PEFTAdapterImporter` reads it, the
/// `merge-lora` pass applies it).
///
/// Per updated linear, with the adapter's weight w (1 unless the user gives `DIR:WEIGHT`):
///
///     ΔW = w·s·B·A,   B [out, r], A [r, in], s = α/r (or α/√r with rsLoRA)
///     LoRA:  W′ = W + ΔW,                 b′ = b + w·s·b_B  (when lora_B has a bias)
///     DoRA:  W′ = m ⊙ (W + ΔW) / ‖W₀ + ΔW‖  row by row: m [out], ‖·‖ the L2 norm of each
///            output row; W₀ is the weight before any adapter's update (PEFT's "column norm"
///            of its [in, out] view is this row norm of the IR's [out, in] weight).
///
/// A and B are in PyTorch `nn.Linear` layout whatever the base module: PEFT's `fan_in_fan_out`
/// only says that the base weight is stored [in, out] (GPT-2 `Conv1D`), which the IR already
/// transposed. A fused GPT-2 `c_attn` adapter is split here: B's and m's rows [0, d), [d, 2d),
/// [2d, 3d) go to q, k, v, which share A.
///
/// `replacements` are whole tensors the adapter trained (`modules_to_save`, such as a classifier
/// head, and the biases of `bias: all | lora_only`): they replace the base tensor, unscaled.
public struct LoRAAdapter: Sendable {
    /// The adapter directory's name, for diagnostics.
    public var name: String
    /// The config of the model the adapter was mapped onto (architecture, hidden size, layers).
    public var base: ModelConfig
    /// w, multiplying every update's scaling (PEFT's `set_scale`).
    public var weight: Float
    /// Sorted by path.
    public var updates: [Update]
    /// Sorted by tensor name.
    public var replacements: [Replacement]
    /// Keys PEFT saved that the adapted model never reads, sorted: with `bias: all` and
    /// `modules_to_save`, the wrapper's frozen `original_module` (the base weights) and the second
    /// name `X.modules_to_save.<adapter>.…` of a trained copy also saved as `X.…`.
    public var unusedKeys: [String]

    public init(name: String, base: ModelConfig, weight: Float = 1, updates: [Update], replacements: [Replacement] = [],
                unusedKeys: [String] = []) {
        self.name = name
        self.base = base
        self.unusedKeys = unusedKeys
        self.weight = weight
        self.updates = updates
        self.replacements = replacements
    }

    /// A low-rank update of the linear at `path`.
    public struct Update: Sendable {
        public var path: LayerPath
        /// A [r, in]
        public var a: Tensor
        /// B [out, r]
        public var b: Tensor
        /// s = α/r, or α/√r with rsLoRA (without the adapter weight w).
        public var scaling: Float
        /// b_B [out], lora_B's bias (PEFT `lora_bias`); merged as b += w·s·b_B.
        public var bias: Tensor?
        /// DoRA magnitude m [out].
        public var magnitude: Tensor?
        /// The adapter keys this update came from, for error messages.
        public var keys: [String]

        public init(path: LayerPath, a: Tensor, b: Tensor, scaling: Float, bias: Tensor? = nil,
                    magnitude: Tensor? = nil, keys: [String]) {
            self.path = path
            self.a = a
            self.b = b
            self.scaling = scaling
            self.bias = bias
            self.magnitude = magnitude
            self.keys = keys
        }

        /// r, the update's rank.
        public var rank: Int { a.shape[0] }
    }

    /// A tensor replaced whole: `tensor` is the IR tensor name (`head.classifier.weight`,
    /// `blocks.0.attention_norm.bias`, as in `ModelGraph.namedTensors`).
    public struct Replacement: Sendable {
        public var tensor: String
        public var value: Tensor
        /// The adapter key it came from.
        public var key: String

        public init(tensor: String, value: Tensor, key: String) {
            self.tensor = tensor
            self.value = value
            self.key = key
        }
    }
}
