import ModelImport
import SafeTensors

/// Every failure a command can report. `description` is the text after `error: `.
public enum DriverError: Error, Equatable, Sendable, CustomStringConvertible {
    case input(path: String, String, String)
    case usage(String, String)
    case importFailed(ImportError)
    case checkpoint(SafeTensorsError)

    public var description: String {
        switch self {
        case let .input(path, what, todo): "\(path): \(what); \(todo)"
        case let .usage(what, todo): "\(what); \(todo)"
        case let .importFailed(error): error.description
        case let .checkpoint(error): error.description
        }
    }
}
