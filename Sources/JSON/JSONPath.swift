/// Where a value sits in a document: `$`, `$.layers[3].name`, `$["odd key"]`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public static let root = JSONPath()

    public func appending(_ component: Component) -> JSONPath { JSONPath(components + [component]) }
    public func appending(key: String) -> JSONPath { appending(.key(key)) }
    public func appending(index: Int) -> JSONPath { appending(.index(index)) }

    /// The first key, e.g. the option a pass's decoding failed on; nil at the root or for an index.
    public var firstKey: String? {
        if case let .key(k)? = components.first { return k }
        return nil
    }

    /// `$.a[3].b`; keys that are not identifiers are quoted: `$["a b"]`.
    public var description: String { "$" + rendered(quotingKeys: true) }

    /// `tensors[3].offset`, `(root)` at the top: the form without `$`, for messages that had it.
    public var dotted: String {
        let text = rendered(quotingKeys: false)
        return text.isEmpty ? "(root)" : text
    }

    /// The components after `$`: `.key`, `[index]`, and `["key"]` for odd keys when `quotingKeys`.
    private func rendered(quotingKeys: Bool) -> String {
        var out = ""
        for component in components {
            switch component {
            case let .index(i): out += "[\(i)]"
            case let .key(k) where !quotingKeys || Self.isIdentifier(k): out += (quotingKeys || !out.isEmpty ? "." : "") + k
            case let .key(k): out += "[" + JSONWriter.quoted(k) + "]"
            }
        }
        return out
    }

    private static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return key.utf8.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}
