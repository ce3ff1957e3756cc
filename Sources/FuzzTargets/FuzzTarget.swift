/// The parsers Pare runs on files it did not write, each as a libFuzzer target: one input →
/// the parser's public entry point → an accepted value or a typed error. Anything else (a trap,
/// a sanitizer report, a hang, unbounded memory) is a bug.
///
/// All targets live in one binary, `pare-fuzz`, chosen by `PARE_FUZZ_TARGET` (`make fuzz` runs
/// each in turn); the same code replays corpora in `FuzzTargetsTests`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `model.safetensors`: header JSON, dtypes, shapes, offsets; then every tensor is read.
    case safetensors
    /// `config.json` → ModelConfig for every model_type, then the skeleton against the fixture
    /// weights of that model_type, its verifier and its cost.
    case config
    /// `tokenizer.json` (WordPiece, byte-level BPE, Unigram, with their normalizers,
    /// pre-tokenizers and post-processors), then encode and decode of fixed texts.
    case tokenizer
    /// PEFT `adapter_config.json`, a NUL byte, then `adapter_model.safetensors`, checked against
    /// tiny-bert (tensor names, ranks, targets, shapes).
    case adapter
    /// A recipe: the CLI text form (one line), or YAML / JSON (the file form), then the pipeline
    /// (pass names and options resolved).
    case recipe
    /// Calibration data: JSONL when the input starts with `{`, else plain text, tokenized by
    /// tiny-bert's tokenizer.
    case calibration
    /// A `.pare` artifact: opened (preamble, manifest, footer, tensor table), then `pare verify`
    /// (every frame decoded and its SHA-256 checked, the model rebuilt) and `pare report`.
    case artifact
    /// A `.pare` manifest (JSON), framed with a correct checksum around a fixed data section
    /// (tiny-bert, int8): the tensor table, skeleton and report past the SHA-256.
    case manifest
    /// Any JSON document: the strict parser (depth, UTF-8, escapes, duplicates), then the
    /// writer's output read back to the same value.
    case json

    /// What a parser made of an input.
    public enum Outcome: Equatable, Sendable {
        case accepted
        /// The error's message, as `pare` would print it after `error: `.
        case rejected(String)
    }

    /// What targets need before their first input (the manifest target's compiled data
    /// section); await it once per process before `run`.
    public static func prepare() async throws { try await FuzzSeeds.prepare() }

    /// Runs the target on one input (after `prepare()`).
    public func run(_ input: [UInt8]) -> Outcome {
        switch self {
        case .safetensors: FuzzModelFiles.safetensors(input)
        case .config: FuzzModelFiles.config(input)
        case .tokenizer: FuzzTextFiles.tokenizer(input)
        case .adapter: FuzzModelFiles.adapter(input)
        case .recipe: FuzzTextFiles.recipe(input)
        case .calibration: FuzzTextFiles.calibration(input)
        case .artifact: FuzzArtifactFiles.artifact(input)
        case .manifest: FuzzArtifactFiles.manifest(input)
        case .json: FuzzJSON.document(input)
        }
    }

    /// Valid inputs to start from, made from the committed fixtures: (file name, bytes).
    public func seeds() async throws -> [(name: String, bytes: [UInt8])] {
        try await Self.prepare()
        return switch self {
        case .safetensors: try FuzzSeeds.safetensors()
        case .config: try FuzzSeeds.configs()
        case .tokenizer: try FuzzSeeds.tokenizers()
        case .adapter: try FuzzSeeds.adapters()
        case .recipe: try FuzzSeeds.recipes()
        case .calibration: try FuzzSeeds.calibration()
        case .artifact: try await FuzzSeeds.artifacts()
        case .manifest: FuzzSeeds.manifests()
        case .json: try FuzzSeeds.configs() + FuzzSeeds.tokenizers() + FuzzSeeds.manifests()
        }
    }
}

extension FuzzTarget.Outcome {
    /// `.rejected` with the error's description.
    static func rejected(_ error: any Error) -> Self { .rejected(String(describing: error)) }

    /// The outcome of `body`: accepted when it returns, rejected with the error it throws.
    static func of(_ body: () throws -> Void) -> Self {
        do {
            try body()
            return .accepted
        } catch {
            return .rejected(error)
        }
    }
}
