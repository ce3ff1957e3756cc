import Foundation
import JSON
import ModelIR
import TensorCore

/// The machine a report, `pare eval` or `pare bench --against` prices the runtime cost for: the
/// rates of a measured `MachineProfile` (`--machine FILE`, else the per-user profile if
/// `pare machine-profile` wrote one), or the built-in `KernelRates.reference`.
public struct PricingMachine: Sendable, Equatable {
    public var rates: KernelRates
    /// What the report names.
    public var summary: MachineProfile.Summary
    /// How the profile's machine differs from this one (printed as warnings); empty when alike.
    public var warnings: [String]

    public init(rates: KernelRates, summary: MachineProfile.Summary, warnings: [String] = []) {
        self.rates = rates
        self.summary = summary
        self.warnings = warnings
    }

    public static let reference = PricingMachine(rates: .reference, summary: KernelRates.referenceMachine)

    /// `$XDG_CACHE_HOME/pare/machine.json`, or `~/.cache/pare/machine.json` when XDG_CACHE_HOME
    /// is unset or empty: where `pare machine-profile` writes and every pricing command looks.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.cache")
        return base + "/pare/machine.json"
    }

    /// `--machine FILE` when given (it must exist), else the default path when a profile is
    /// there, else the built-in reference. `machine`: the machine at hand, to warn about.
    public static func resolve(_ path: String?, machine: @autoclosure () -> MachineProfile.Machine = MachineProfiler.thisMachine(),
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws(DriverError) -> PricingMachine {
        let file: String
        if let path {
            file = path
        } else {
            file = defaultPath(environment: environment)
            guard FileManager.default.fileExists(atPath: file) else { return .reference }
        }
        let profile = try read(file)
        let differences = profile.machine.differences(from: machine())
        var summary = profile.summary
        summary.profile = (file as NSString).lastPathComponent
        return PricingMachine(rates: profile.rates, summary: summary, warnings: differences.isEmpty ? [] : [
            "\(file): this profile was measured on another machine or thread count (" + differences.joined(separator: "; ")
                + "); its rates are used as they are, run `pare machine-profile` here for figures of this machine",
        ])
    }

    /// Reads and checks a profile: `error: FILE: what; what to do` when it is not one.
    public static func read(_ path: String) throws(DriverError) -> MachineProfile {
        let remeasure = "run `pare machine-profile -o \(path)` to measure it again"
        let parsed: JSONValue?
        do throws(JSONError) {
            parsed = try JSONParser.parse(contentsOf: path)
        } catch {
            throw .input(path: path, "not a machine profile: invalid JSON (\(error))", remeasure)
        }
        guard let value = parsed else {
            throw .input(path: path, "cannot read the machine profile", "check the path, or " + remeasure)
        }
        let profile: MachineProfile
        do throws(JSONError) {
            profile = try JSONValueDecoder(keys: JSONKeyCase.snakeCaseGroupingCapitals).decode(MachineProfile.self, from: value)
        } catch {
            throw .input(path: path, "not a machine profile (\(error))", remeasure)
        }
        if let problem = profile.problem { throw .input(path: path, "malformed machine profile: \(problem)", remeasure) }
        return profile
    }

    /// The profile as `pare machine-profile` writes it: sorted snake_case keys, two-space
    /// indentation, trailing newline (schemas/machine-profile.schema.json).
    public static func text(_ profile: MachineProfile) -> String {
        CommandJSON.text(try! CommandJSON.value(profile))
    }

    /// Writes `profile` to `path` atomically, creating its directory.
    public static func write(_ profile: MachineProfile, to path: String) throws(DriverError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw .input(path: directory, "cannot create the directory (\(error.localizedDescription))", "choose another path with -o")
            }
        }
        do throws(FileError) {
            try AtomicFile.write(Array(text(profile).utf8), to: path)
        } catch {
            throw .usage(error.description, "choose another path with -o")
        }
    }
}
