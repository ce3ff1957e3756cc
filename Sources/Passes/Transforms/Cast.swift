import ModelIR
import TensorCore

/// `cast`: stores floating-point weights as f32, f16 or bf16 (round to nearest even).
/// Applies to the weights and biases of the linears `select` matches (dense and low-rank
/// factors; int8 values and sparse masks keep their integer dtypes, int8 scales are cast),
/// and, with `embeddings`, to the embedding tables and every LayerNorm.
public struct Cast: Pass {
    public struct Options: PassOptions {
        public var dtype: DType = .f16
        public var select: LayerGlob = "**"
        public var embeddings: Bool = true

        public init() {}

        public func validate() throws(PassError) {
            guard [.f32, .f16, .bf16].contains(dtype) else {
                throw .invalidValue(key: "dtype", value: dtype.rawValue, expected: "f32, f16 or bf16")
            }
        }
    }

    public static let name = "cast"
    public static let summary = "Store floating-point weights as f32, f16 or bf16."
    public let options: Options

    public init(options: Options) { self.options = options }

    public func check(_ s: Skeleton) -> [Diagnostic] {
        s.linearPaths(matching: options.select).isEmpty
            ? [Diagnostic.selectsNoLinear(options.select)]
            : []
    }

    public func effect(on s: inout Skeleton) {
        s = transform(s) { TensorSpec(dtype: options.dtype, shape: $0.shape) }
    }

    public func run(on model: inout Model, context: PassContext) async throws(PassError) -> PassResult {
        var converted = 0
        model = transform(model) { t in
            converted += t.dtype == options.dtype ? 0 : 1
            return t.dtype == options.dtype ? t : t.converted(to: options.dtype)
        }
        return PassResult(changed: converted > 0, counters: ["tensors-cast": converted])
    }

    /// Applies `cast` to every floating-point tensor this pass covers.
    private func transform<T>(_ graph: ModelGraph<T>, _ cast: (T) -> T) -> ModelGraph<T> {
        let selected = Set(graph.linearPaths(matching: options.select).map(\.description))
        let linearPrefixes = graph.linears.map { $0.path.description + "." }
        return graph.mapNamed { name, t in
            guard t.dtype.isFloatingPoint else { return t }
            if let prefix = linearPrefixes.first(where: { name.hasPrefix($0) }) {
                return selected.contains(String(prefix.dropLast())) ? cast(t) : t
            }
            return options.embeddings ? cast(t) : t
        }
    }
}
