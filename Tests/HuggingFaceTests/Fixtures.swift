import Foundation

/// Paths of the committed fixtures (made by scripts/fixtures/generate.py with transformers) and
/// of the real example model fetched by scripts/fetch-example-model.sh.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path
    static func model(_ name: String) -> String { root + "/" + name }

    static let miniLM = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/models/all-MiniLM-L6-v2").path
    /// CI sets PARE_REQUIRE_MODEL=1 after fetching the model: then a missing model fails instead of skipping.
    static var miniLMAvailable: Bool {
        FileManager.default.fileExists(atPath: miniLM + "/model.safetensors")
            || ProcessInfo.processInfo.environment["PARE_REQUIRE_MODEL"] == "1"
    }

    /// `golden/<name>.json`: transformers' num_parameters, named parameters and saved keys.
    struct Golden: Decodable {
        let num_parameters: Int
        let state_dict_keys: [String]
    }

    static func golden(_ name: String) throws -> Golden {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/golden/\(name).json"))
        return try JSONDecoder().decode(Golden.self, from: data)
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() -> String {
        let d = NSTemporaryDirectory() + "pare-import-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}
