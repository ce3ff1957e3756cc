import Foundation

/// Files Pare ships beside its binary: the recipes and the calibration corpora. An installed
/// `pare` (`make install PREFIX=…`: `$PREFIX/bin/pare`) finds them in `$PREFIX/share/pare/`
/// (`recipes/`, `calibration/`); a build in a checkout (`.build/<configuration>/pare`) finds them
/// in the checkout (`passes/`, `examples/calibration/`).
public enum ShippedFiles {
    /// The default calibration corpus, as a path in a checkout and under share/pare.
    static let defaultCorpus = (checkout: "examples/calibration/default.txt", installed: "calibration/default.txt")
    /// The default held-out text of `pare eval`.
    static let heldOut = (checkout: "examples/calibration/heldout.txt", installed: "calibration/heldout.txt")

    /// The shipped file, looked up from the working directory (`checkout`), then under the
    /// installed share/pare/ (`installed`), then in the checkout the binary was built in.
    static func locate(_ file: (checkout: String, installed: String)) -> String? {
        let candidates = [file.checkout] + installedRoots.map { $0 + "/" + file.installed } + checkoutRoots.map { $0 + "/" + file.checkout }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Folders of recipes a bare `--recipe NAME` is looked up in: share/pare/recipes/ of an
    /// installed binary, then passes/ of the checkout a build sits in.
    public static var recipeDirectories: [String] {
        (installedRoots.map { $0 + "/recipes" } + checkoutRoots.map { $0 + "/passes" }).filter { isDirectory($0) }
    }

    /// The names of the recipes in `recipeDirectories` (`max-compress` for max-compress.yaml), sorted.
    static var recipeNames: [String] {
        let files = recipeDirectories.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] }
        let names = files.filter { [".yaml", ".yml", ".json"].contains(where: $0.hasSuffix) }.map { ($0 as NSString).deletingPathExtension }
        return Set(names).sorted()
    }

    /// The folder of the running binary, symbolic links resolved (/proc/self/exe on Linux).
    static var binaryDirectory: URL {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// `<prefix>/share/pare` for a binary in `<prefix>/bin`.
    static var installedRoots: [String] {
        [binaryDirectory.appendingPathComponent("../share/pare").standardized.path]
    }

    /// The checkout of a binary in `.build/<triple>/<configuration>/` or `.build/<configuration>/`.
    static var checkoutRoots: [String] {
        ["../../..", "../.."].map { binaryDirectory.appendingPathComponent($0).standardized.path }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
