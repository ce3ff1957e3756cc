#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TensorCore

/// A Hugging Face checkpoint's weights: one `model.safetensors`, or
/// `model.safetensors.index.json` plus the shards its `weight_map` names, or one given file.
///
/// Every file is validated on init (headers only). For a sharded checkpoint the index is
/// authoritative and must agree with the shards exactly: each tensor it lists is in its shard,
/// and no shard has a tensor the index does not assign to it.
public struct Checkpoint: Sendable {
    /// The file name `from_pretrained` looks for first.
    public static let singleFileName = "model.safetensors"
    /// The shard index, used when there is no single file.
    public static let indexFileName = "model.safetensors.index.json"

    /// The directory or file the checkpoint was opened from; errors name it.
    public let path: String
    /// In shard order (sorted by file name).
    public let files: [SafeTensorsFile]
    /// Tensor name → index into `files`.
    private let locations: [String: Int]
    /// All tensor names, sorted.
    public let names: [String]

    /// `directory/model.safetensors` if present (like `from_pretrained`), else
    /// `directory/model.safetensors.index.json` and its shards.
    public init(directory: String) throws(SafeTensorsError) {
        guard Checkpoint.exists(directory) else {
            throw .file(.cannotOpen(path: directory, reason: String(cString: strerror(ENOENT))))
        }
        guard Checkpoint.isDirectory(directory) else { throw .notADirectory(path: directory) }
        let single = Checkpoint.join(directory, Checkpoint.singleFileName)
        let index = Checkpoint.join(directory, Checkpoint.indexFileName)
        if Checkpoint.exists(single) {
            self.init(path: directory, files: [try SafeTensorsFile(path: single)])
        } else if Checkpoint.exists(index) {
            try self.init(path: directory, index: index)
        } else {
            throw .noWeights(directory: directory)
        }
    }

    /// One `.safetensors` file.
    public init(file: String) throws(SafeTensorsError) {
        self.init(path: file, files: [try SafeTensorsFile(path: file)])
    }

    /// Files whose tensor names are known to be disjoint.
    init(path: String, files: [SafeTensorsFile]) {
        var locations: [String: Int] = [:]
        for (i, file) in files.enumerated() {
            for entry in file.entries { locations[entry.name] = i }
        }
        self.path = path
        self.files = files
        self.locations = locations
        self.names = locations.keys.sorted()
    }

    public func entry(_ name: String) -> SafeTensorsEntry? {
        locations[name].flatMap { files[$0][name] }
    }

    /// The tensor `name`, zero-copy from the file that holds it.
    public func tensor(_ name: String) throws(SafeTensorsError) -> Tensor {
        guard let i = locations[name] else { throw .noSuchTensor(path: path, tensor: name) }
        return try files[i].tensor(name)
    }

    /// The first file's `__metadata__`.
    public var metadata: [String: String] { files.first?.metadata ?? [:] }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }
}
