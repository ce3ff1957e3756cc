import Foundation
import ModelIR
@testable import ONNXExport
import SwiftProtobuf
import Testing

/// The bytes: protobuf round trip, determinism, external data, the written directory.
@Suite struct ONNXSerializationTests {
    @Test(arguments: [TinyBERT.Form.dense, .int8Dynamic])
    func bytesRoundTripThroughProtobuf(form: TinyBERT.Form) throws {
        let model = TinyBERT.model(form)
        let (bytes, side) = try ONNXExport.serialize(model, path: "out")
        #expect(side == nil)
        let decoded = try Onnx_ModelProto(serializedBytes: bytes)
        #expect(decoded == (try ONNXModel.proto(model, path: "out")))
    }

    @Test func exportingTwiceGivesTheSameBytes() throws {
        let a = try ONNXExport.serialize(TinyBERT.model(.int8Dynamic), path: "out")
        let b = try ONNXExport.serialize(TinyBERT.model(.int8Dynamic), path: "out")
        #expect(a.model == b.model)
        let other = try ONNXExport.serialize(TinyBERT.model(.int8Dynamic, seed: 8), path: "out")
        #expect(other.model != a.model)
    }

    /// Above the threshold every initializer of ≥ 1 KiB moves to model.onnx_data at an aligned
    /// offset, and its bytes there equal the inline bytes.
    @Test func largeInitializersMoveToAlignedExternalData() throws {
        let model = TinyBERT.model(.dense)
        let inline = try ONNXModel.proto(model, path: "out")
        let (bytes, side) = try ONNXExport.serialize(model, path: "out", externalDataAbove: 0)
        let data = try #require(side)
        let m = try Onnx_ModelProto(serializedBytes: bytes)
        var moved = 0
        for (t, original) in zip(m.graph.initializer, inline.graph.initializer) {
            guard original.rawData.count >= ExternalData.minimumBytes else {
                #expect(t == original)
                continue
            }
            moved += 1
            #expect(t.dataLocation == .external && t.rawData.isEmpty)
            let entries = Dictionary(uniqueKeysWithValues: t.externalData.map { ($0.key, $0.value) })
            #expect(entries["location"] == "model.onnx_data")
            let offset = try #require(Int(entries["offset"] ?? "")), length = try #require(Int(entries["length"] ?? ""))
            #expect(offset % 4096 == 0 && length == original.rawData.count)
            #expect(Data(data[offset..<(offset + length)]) == original.rawData)
        }
        #expect(moved == 2)   // the word and position tables
    }

    @Test func writesTheDirectoryAndNeverOverwrites() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-export-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = ["tokenizer.json": "{}", "vocab.txt": "[PAD]\n"]
        try ONNXExport.write(model: TinyBERT.model(.dense), sourceConfig: "{\"model_type\": \"bert\"}", tokenizerFiles: files, to: dir)
        let listed = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(listed == ["config.json", "model.onnx", "tokenizer.json", "vocab.txt"])
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/model.onnx")))
        #expect(written == (try ONNXExport.serialize(TinyBERT.model(.dense), path: dir)).model)
        #expect(throws: ONNXExportError.targetExists(path: dir)) {
            try ONNXExport.write(model: TinyBERT.model(.dense), sourceConfig: "{}", tokenizerFiles: [:], to: dir)
        }
    }

    @Test func tokenizerNamesThatEscapeOrCollideAreRefused() throws {
        for name in ["../x.json", "/etc/passwd", "model.onnx"] {
            #expect(throws: ONNXExportError.invalidFileName(path: "/nonexistent/out", name: name)) {
                try ONNXExport.write(model: TinyBERT.model(.dense), sourceConfig: "{}", tokenizerFiles: [name: ""], to: "/nonexistent/out")
            }
        }
    }
}
