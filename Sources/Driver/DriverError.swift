import ModelImport
import Runtime
import SafeTensors

/// Every failure a command can report. `description` is the text after `error: `.
public enum DriverError: Error, Equatable, Sendable, CustomStringConvertible {
    case input(path: String, String, String)
    case usage(String, String)
    case importFailed(ImportError)
    case checkpoint(SafeTensorsError)
    case runtime(RuntimeError)

    public var description: String {
        switch self {
        case let .input(path, what, todo): "\(path): \(what); \(todo)"
        case let .usage(what, todo): "\(what); \(todo)"
        case let .importFailed(error): error.description
        case let .checkpoint(error): error.description
        case let .runtime(error): error.description
        }
    }
}
