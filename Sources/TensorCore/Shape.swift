/// Dimensions of a row-major tensor, outermost first: a Linear weight is `[out, in]`.
public struct Shape: Hashable, Codable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public var dims: [Int]

    public init(_ dims: [Int]) { self.dims = dims }
    public init(arrayLiteral dims: Int...) { self.dims = dims }

    public var rank: Int { dims.count }
    /// Number of elements; 1 for a scalar (rank 0).
    public var count: Int { dims.reduce(1, *) }
    public subscript(i: Int) -> Int { dims[i] }

    /// `[384, 1536]`
    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    public init(from decoder: Decoder) throws { dims = try [Int](from: decoder) }
    public func encode(to encoder: Encoder) throws { try dims.encode(to: encoder) }
}
