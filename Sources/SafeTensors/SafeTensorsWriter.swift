import JSON
import TensorCore

/// Writes `.safetensors` files, deterministically: the same tensors and metadata give the same
/// bytes whatever the dictionary order.
///
/// Layout written:
/// - 8 bytes: N, little-endian;
/// - N bytes: `{"__metadata__":{…},"<name>":{"data_offsets":[b,e],"dtype":"F32","shape":[..]},…}`
///   with `__metadata__` first (omitted when empty), then tensors sorted by name, every object's
///   keys sorted, no whitespace, padded with spaces so that N (and so 8 + N) is a multiple of 8;
/// - the data: each tensor's bytes in name order, contiguous (tensor i begins where i − 1 ends).
public enum SafeTensorsWriter {
    /// Writes atomically (temporary file + rename), streaming each tensor's bytes from its storage
    /// (no concatenated buffer). Refuses a `path` that is in `inputs` or that any tensor is mapped
    /// from, and a tensor named `__metadata__`.
    public static func write(
        _ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String, inputs: [String] = []
    ) throws(SafeTensorsError) {
        guard tensors["__metadata__"] == nil else { throw .reservedTensorName(path: path) }
        var protected = inputs
        for tensor in tensors.values {
            if case let .mapped(file, _) = tensor.storage { protected.append(file.path) }
        }
        do {
            let file = try AtomicFile(path: path, inputs: protected)
            try file.write(header(tensors, metadata: metadata))
            for name in tensors.keys.sorted() {
                let written: Result<Void, FileError> = tensors[name]!.withUnsafeBytes { bytes in
                    Result { () throws(FileError) in try file.write(bytes) }
                }
                try written.get()
            }
            try file.commit()
        } catch {
            throw .file(error)
        }
    }

    /// The 8-byte length N followed by the N-byte padded JSON header (see the type's layout).
    /// Precondition: no tensor is named `__metadata__`.
    public static func header(_ tensors: [String: Tensor], metadata: [String: String]) -> [UInt8] {
        precondition(tensors["__metadata__"] == nil, "a tensor is named __metadata__")
        var json: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        func separate() {
            if !first { json.append(UInt8(ascii: ",")) }
            first = false
        }
        if !metadata.isEmpty {
            separate()
            JSONWriter.appendString("__metadata__", to: &json)
            json += Array(":{".utf8)
            for (i, key) in metadata.keys.sorted().enumerated() {
                if i > 0 { json.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(key, to: &json)
                json.append(UInt8(ascii: ":"))
                JSONWriter.appendString(metadata[key]!, to: &json)
            }
            json.append(UInt8(ascii: "}"))
        }
        var offset = 0
        for name in tensors.keys.sorted() {
            let tensor = tensors[name]!
            separate()
            JSONWriter.appendString(name, to: &json)
            json += Array(":{\"data_offsets\":".utf8)
            JSONWriter.appendInts([offset, offset + tensor.byteCount], to: &json)
            json += Array(",\"dtype\":".utf8)
            JSONWriter.appendString(tensor.dtype.safetensorsName, to: &json)
            json += Array(",\"shape\":".utf8)
            JSONWriter.appendInts(tensor.shape.dims, to: &json)
            json.append(UInt8(ascii: "}"))
            offset += tensor.byteCount
        }
        json.append(UInt8(ascii: "}"))
        json += [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json
    }
}
