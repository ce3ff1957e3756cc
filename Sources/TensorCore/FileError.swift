/// File-system failures shared by every reader and writer.
public enum FileError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notARegularFile(path: String)
    case cannotWrite(path: String, reason: String)
    case wouldOverwriteInput(path: String)
    /// A file, or a directory with anything in it, where a `StagedDirectory` would go.
    case occupied(path: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            "\(path): cannot open (\(reason)); check the path and its permissions"
        case let .notARegularFile(path):
            "\(path): not a regular file; pass a file, not a directory or device"
        case let .cannotWrite(path, reason):
            "\(path): cannot write (\(reason)); check the directory exists and is writable"
        case let .wouldOverwriteInput(path):
            "\(path): is one of the inputs; choose another output path"
        case let .occupied(path):
            "\(path): exists and is not an empty directory; choose a new output directory or remove it"
        }
    }
}
