import Foundation

/// Moves initializers out of the protobuf into one side file, as ONNX does for models above
/// protobuf's 2 GiB message limit: each large initializer keeps its name, dtype and dims, loses
/// `raw_data`, and gets `data_location = EXTERNAL` with `location`, `offset`, `length` entries
/// into `fileName`. Offsets are multiples of `alignment` (ONNX Runtime maps aligned data).
enum ExternalData {
    /// optimum's name for the side file of `model.onnx`.
    static let fileName = "model.onnx_data"
    static let alignment = 4096
    /// Initializers smaller than this stay inline (constants, norms, biases).
    static let minimumBytes = 1024

    /// A byte range of the side file: where one initializer's raw data goes.
    struct Placement: Equatable {
        var initializer: Int
        var offset: Int
        var length: Int
    }

    /// Total raw bytes of the graph's initializers.
    static func inlineBytes(_ graph: Onnx_GraphProto) -> Int {
        graph.initializer.reduce(0) { $0 + $1.rawData.count }
    }

    /// Rewrites `graph` to reference the side file `fileName` and returns the placements, in file order,
    /// with the bytes each one takes (the caller writes them with `write(_:_:to:)`).
    static func externalize(_ graph: inout Onnx_GraphProto, fileName: String = fileName) -> [(Placement, Data)] {
        var offset = 0
        var out: [(Placement, Data)] = []
        for i in graph.initializer.indices where graph.initializer[i].rawData.count >= minimumBytes {
            let data = graph.initializer[i].rawData
            offset = (offset + alignment - 1) / alignment * alignment
            let placement = Placement(initializer: i, offset: offset, length: data.count)
            graph.initializer[i].rawData = Data()
            graph.initializer[i].dataLocation = .external
            graph.initializer[i].externalData = [entry("location", fileName), entry("offset", String(offset)), entry("length", String(data.count))]
            out.append((placement, data))
            offset += data.count
        }
        return out
    }

    /// The side file's bytes: each placement's data at its offset, zeros between.
    static func bytes(_ placements: [(Placement, Data)]) -> [UInt8] {
        guard let last = placements.last else { return [] }
        var file = [UInt8](repeating: 0, count: last.0.offset + last.0.length)
        for (p, data) in placements {
            _ = file.withUnsafeMutableBytes { dst in data.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: dst[p.offset..<(p.offset + p.length)])) }
        }
        return file
    }

    private static func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var e = Onnx_StringStringEntryProto()
        e.key = key
        e.value = value
        return e
    }
}
