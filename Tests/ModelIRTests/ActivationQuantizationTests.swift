import Foundation
import Testing
import TensorCore
@testable import ModelIR

/// `Linear.activations`: only int8 forms may run with dynamic activations; the printer shows it;
/// it survives Codable (the artifact's manifest) and mapNamed (the artifact reader); a manifest
/// written before it existed reads as `none`.
@Suite struct ActivationQuantizationTests {
    let config = VerifierTests().config

    func spec(_ dims: [Int], _ dtype: DType = .f32) -> TensorSpec { TensorSpec(dtype: dtype, shape: Shape(dims)) }

    @Test func verifierAcceptsDynamicOnlyOnInt8Forms() {
        var s = Skeleton(dense: config)
        s.blocks[0].mlp.up.weight = .int8(values: spec([37, 32], .i8), scales: spec([37]))
        s.blocks[0].mlp.up.activations = .dynamic
        s.blocks[1].mlp.down.weight = .lowRankInt8(u: spec([32, 6], .i8), uScales: spec([32]), v: spec([6, 37], .i8), vScales: spec([6]))
        s.blocks[1].mlp.down.activations = .dynamic
        #expect(s.verify().isEmpty)
        #expect(s.printed().contains("  mlp.up       int8 values=i8[37, 32] scales=f32[37] activations=dynamic bias\n"))
        s.blocks[0].attention.q.activations = .dynamic
        #expect(s.verify() == [Diagnostic(.error, at: "blocks.0.attention.q",
                                          "has dynamic int8 activations but a dense weight; only int8 weights run int8 GEMMs (activations: none)")])
    }

    @Test func codableKeepsItAndOldManifestsReadAsNone() throws {
        var linear = Linear(inFeatures: 4, outFeatures: 2, weight: .int8(values: spec([2, 4], .i8), scales: spec([2])), bias: nil)
        linear.activations = .dynamic
        let data = try JSONEncoder().encode(linear)
        #expect(String(decoding: data, as: UTF8.self).contains("\"activations\":\"dynamic\""))
        #expect(try JSONDecoder().decode(Linear<TensorSpec>.self, from: data) == linear)
        var object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["activations"] = nil
        let old = try JSONDecoder().decode(Linear<TensorSpec>.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.activations == .none && old.weight == linear.weight)
        #expect(linear.map { $0 }.activations == .dynamic)
    }

    @Test func mapNamedKeepsIt() throws {
        var s = Skeleton(dense: config)
        s.blocks[0].mlp.up.weight = .int8(values: spec([37, 32], .i8), scales: spec([37]))
        s.blocks[0].mlp.up.activations = .dynamic
        let mapped = try s.mapNamed { _, t in t }
        #expect(mapped.blocks[0].mlp.up.activations == .dynamic && mapped.blocks[0].mlp.down.activations == .none)
    }
}
