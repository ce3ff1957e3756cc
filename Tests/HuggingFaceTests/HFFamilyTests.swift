import Testing
import ModelIR
@testable import HuggingFace

/// The descriptions are the one source of Hugging Face names: the PEFT mapping, derived from the
/// same rows, must send every name the importer and exporter use back to its IR module.
/// Oracle: the rows themselves (and transformers' names, via the import fixture tests).
@Suite struct HFFamilyTests {
    @Test(arguments: Architecture.allCases)
    func everyNamedModuleMapsBackToItsIRPath(_ architecture: Architecture) throws {
        let family = try #require(HFFamily.family(architecture))
        for row in family.modules where row.layout != .table && (row.layout != .norm || family.adapterNorms) {
            for prefix in Set([family.basePrefix, ""]) {
                let name = row.hf(3, prefix: prefix)
                let module = try #require(PEFTAdapterImporter.module(name, architecture), "\(name)")
                switch (row.layout, module) {
                case let (.linear, .linear(path, transposed)), let (.conv1D, .linear(path, transposed)):
                    #expect(path == LayerPath(row.ir(3)) && transposed == (row.layout == .conv1D), "\(name)")
                case let (.fused, .fusedQKV(block)): #expect(block == 3)
                case let (.norm, .norm(ir)), let (.embedding, .embedding(ir)), let (.copy, .embedding(ir)):
                    #expect(ir == row.ir(3), "\(name)")
                default: Issue.record("\(name) maps to \(module)")
                }
            }
        }
    }

    @Test func namesWithAnotherIndexOrPrefixAreNotModules() {
        #expect(PEFTAdapterImporter.module("transformer.h.x.attn.c_proj", .gpt2) == nil)
        #expect(PEFTAdapterImporter.module("transformer.lm_head", .gpt2) == nil)
        #expect(PEFTAdapterImporter.module("bert.classifier", .bert) == nil)
        #expect(PEFTAdapterImporter.module("decoder.block.0.layer.1.DenseReluDense.wo", .t5) == nil)
        #expect(PEFTAdapterImporter.module("encoder.block.0.layer.0.layer_norm", .t5) == nil)
    }
}
