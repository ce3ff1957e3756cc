import Testing
@testable import TensorCore

/// Oracle: exact IEEE values (powers of two and halves are exact in every float format).
@Suite struct TensorConversionTests {
    @Test func sizesAndSafetensorsNames() {
        #expect(DType.f32.size == 4 && DType.bf16.size == 2 && DType.i64.size == 8 && DType.bool.size == 1)
        #expect(DType(safetensorsName: "BF16") == .bf16)
        #expect(DType(safetensorsName: "F8_E4M3") == nil)
        #expect(DType.i64.safetensorsName == "I64")
    }

    @Test(arguments: [DType.f32, .f16, .bf16])
    func floatRoundTripIsExactForRepresentableValues(dtype: DType) {
        let values: [Float] = [0, 1, -2, 0.5, 1024, -0.25, 3]
        let t = Tensor(values, shape: [7], dtype: dtype)
        #expect(t.dtype == dtype)
        #expect(t.byteCount == 7 * dtype.size)
        #expect(t.floats() == values)
        #expect(t.converted(to: .f32).floats() == values)
    }

    @Test func bfloat16RoundsToNearestEven() {
        // 1 + 2⁻⁸ lies exactly between two bf16 values (1 and 1 + 2⁻⁷): ties go to even (1).
        #expect(BFloat16.toFloat(BFloat16.fromFloat(1 + 0x1p-8)) == 1)
        // 1 + 3·2⁻⁸ ties between 1 + 2⁻⁷ and 1 + 2⁻⁶: even mantissa is 1 + 2⁻⁶.
        #expect(BFloat16.toFloat(BFloat16.fromFloat(1 + 3 * 0x1p-8)) == 1 + 0x1p-6)
        #expect(BFloat16.toFloat(BFloat16.fromFloat(.nan)).isNaN)
        #expect(BFloat16.toFloat(BFloat16.fromFloat(.infinity)) == .infinity)
    }

    @Test func integersWidenToFloatAndInt64() {
        let raw: [Int64] = [0, -1, 511, 1 << 40]
        let t = Tensor(dtype: .i64, shape: [4], bytes: raw.withUnsafeBytes { [UInt8]($0) })
        #expect(t.integers() == raw)
        #expect(t.floats() == [0, -1, 511, Float(1 << 40)])
        let i8 = Tensor(dtype: .i8, shape: [3], bytes: [0xFF, 0x7F, 0x80])
        #expect(i8.integers() == [-1, 127, -128])
        #expect(Tensor([1], shape: [1]).integers() == nil)
    }

    @Test func transposeRowsAndReshape() {
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(t.transposed().shape == [3, 2])
        #expect(t.transposed().floats() == [1, 4, 2, 5, 3, 6])
        #expect(t.rows(1..<2).floats() == [4, 5, 6])
        #expect(t.reshaped([3, 2]).floats() == t.floats())
        let v = Tensor([1, 2, 3, 4], shape: [4])
        #expect(v.elements(1..<3).floats() == [2, 3])
    }

    @Test func transposeOfLargeNonSquareMatchesNaiveIndexing() {
        var rng = SplitMix64(seed: 7)
        let r = 70, c = 45
        let values = (0..<(r * c)).map { _ in rng.normal() }
        let t = Tensor(values, shape: [r, c], dtype: .bf16).transposed().floats()
        let expected = Tensor(values, shape: [r, c], dtype: .bf16).floats()
        for i in 0..<r { for j in 0..<c { #expect(t[j * r + i] == expected[i * c + j]) } }
    }

    @Test func seededGeneratorIsReproducible() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
    }
}
