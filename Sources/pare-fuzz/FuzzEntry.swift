import FuzzTargets
import Foundation

// Built two ways (see `make fuzz`):
// - `swift build --sanitize fuzzer -Xswiftc -DFUZZING`: libFuzzer's `main` drives
//   `LLVMFuzzerTestOneInput`, on the target named by `PARE_FUZZ_TARGET`;
// - a normal build: a replay tool, `pare-fuzz seeds TARGET DIR` writes a target's seed corpus
//   and `pare-fuzz replay TARGET FILE...` runs inputs (a crash file, say) through it.

/// The target of this process, from `PARE_FUZZ_TARGET`; exits with a usage error without one.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["PARE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data(("error: PARE_FUZZ_TARGET: '\(name)' is not a target; choose one of "
            + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ") + "\n").utf8))
        exit(2)
    }
    return target
}()

#if FUZZING
/// Prepares the targets before the first input; libFuzzer calls it on the main thread, which
/// is not one of Swift concurrency's, so waiting here cannot starve the task it waits for.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    let done = DispatchSemaphore(value: 0)
    Task {
        do { try await FuzzTarget.prepare() } catch {
            FileHandle.standardError.write(Data("error: pare-fuzz: cannot prepare the targets: \(error)\n".utf8))
            exit(1)
        }
        done.signal()
    }
    done.wait()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = selectedTarget.run(input)
    return 0
}
#else
@main
struct PareFuzz {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else { usage() }
        do {
            switch arguments[0] {
            case "seeds" where arguments.count == 3:
                let directory = arguments[2]
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                for seed in try await target.seeds() {
                    try Data(seed.bytes).write(to: URL(fileURLWithPath: directory + "/" + seed.name))
                }
            case "replay":
                try await FuzzTarget.prepare()
                for file in arguments.dropFirst(2) {
                    let input = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
                    switch target.run(input) {
                    case .accepted: print("\(file): accepted")
                    case let .rejected(message): print("\(file): rejected: \(message)")
                    }
                }
            default: usage()
            }
        } catch {
            FileHandle.standardError.write(Data("error: pare-fuzz: \(error)\n".utf8))
            exit(1)
        }
    }

    static func usage() -> Never {
        FileHandle.standardError.write(Data(("usage: pare-fuzz seeds TARGET DIR | pare-fuzz replay TARGET FILE...\n"
            + "targets: " + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ") + "\n").utf8))
        exit(2)
    }
}
#endif
