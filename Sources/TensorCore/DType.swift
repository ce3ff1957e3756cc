/// Element type of a tensor. Raw values are the lower-case names used in recipes, manifests
/// and reports; `safetensorsName` is the upper-case spelling of the safetensors header.
public enum DType: String, Codable, Sendable, CaseIterable, Comparable {
    case f64, f32, f16, bf16
    case i64, i32, i16, i8, u8
    case bool

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: true
        default: false
        }
    }

    /// The dtype string of a safetensors header (`F32`, `BF16`, `I64`, `BOOL`, ...).
    public var safetensorsName: String { rawValue.uppercased() }

    /// Parses a safetensors header dtype; nil for anything Pare does not know.
    public init?(safetensorsName name: String) {
        self.init(rawValue: name.lowercased())
    }

    public static func < (a: DType, b: DType) -> Bool { a.rawValue < b.rawValue }
}
