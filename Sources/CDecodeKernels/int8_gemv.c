#include "decode_kernels.h"

#include <immintrin.h>

// Σ over 16 int32 lanes (exact: order does not matter for integers that do not overflow).
static inline int32_t sum8_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

static inline int32_t tail_dot(const uint8_t *a, const int8_t *b, int64_t n) {
    int32_t s = 0;
    for (int64_t i = 0; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

// Four weight rows against one row of codes, 16 values a step.
static inline __attribute__((always_inline)) void dot4_avx2(const uint8_t *a, const int8_t *b, int64_t ldb, int64_t k,
                                                            int32_t *c, int n) {
    __m256i acc[4];
    for (int j = 0; j < 4; j++) acc[j] = _mm256_setzero_si256();
    const int64_t body = k & ~(int64_t)15;
    for (int64_t i = 0; i < body; i += 16) {
        const __m256i av = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(a + i)));
        for (int j = 0; j < n; j++) {
            const __m256i bv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + j * ldb + i)));
            acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(av, bv));
        }
    }
    for (int j = 0; j < n; j++) c[j] = sum8_epi32(acc[j]) + tail_dot(a + body, b + j * ldb + body, k - body);
}

__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline))
static inline void dot4_avx512(const uint8_t *a, const int8_t *b, int64_t ldb, int64_t k, int32_t *c, int n) {
    __m512i acc[4];
    for (int j = 0; j < 4; j++) acc[j] = _mm512_setzero_si512();
    const int64_t body = k & ~(int64_t)31;
    for (int64_t i = 0; i < body; i += 32) {
        const __m512i av = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(a + i)));
        for (int j = 0; j < n; j++) {
            const __m512i bv = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(b + j * ldb + i)));
            acc[j] = _mm512_add_epi32(acc[j], _mm512_madd_epi16(av, bv));
        }
    }
    for (int j = 0; j < n; j++) {
        const __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(acc[j]), _mm512_extracti64x4_epi64(acc[j], 1));
        c[j] = sum8_epi32(h) + tail_dot(a + body, b + j * ldb + body, k - body);
    }
}

// Up to eight weight rows against one row of codes with AVX-512 VNNI: vpdpbusd multiplies 64
// u8 codes by 64 s8 weights and adds each group of four products into an int32 lane (exact:
// |4 · 255 · 128| < 2^31, and no saturation in the non-`s` form); a tail of k is loaded masked
// (zeros add nothing). One instruction per 64 weight bytes instead of the widen-multiply-add
// triple, which on Zen 4 kept the int8 GEMV from streaming at memory speed.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"), always_inline))
static inline void dot8_vnni(const uint8_t *a, const int8_t *b, int64_t ldb, int64_t k, int32_t *c, int n) {
    __m512i acc[8];
    for (int j = 0; j < 8; j++) acc[j] = _mm512_setzero_si512();
    for (int64_t i = 0; i < k; i += 64) {
        const int64_t left = k - i;
        const __mmask64 m = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
        const __m512i av = _mm512_maskz_loadu_epi8(m, a + i);
        for (int j = 0; j < n; j++) acc[j] = _mm512_dpbusd_epi32(acc[j], av, _mm512_maskz_loadu_epi8(m, b + j * ldb + i));
    }
    for (int j = 0; j < n; j++) {
        const __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(acc[j]), _mm512_extracti64x4_epi64(acc[j], 1));
        c[j] = sum8_epi32(h);
    }
}

// Full blocks of eight rows get the unrolled kernel; the last, shorter block loops over its rows.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
static void block_vnni(const uint8_t *a, const int8_t *b, int64_t ldb, int64_t k, int32_t *c, int64_t n) {
    if (n == 8) dot8_vnni(a, b, ldb, k, c, 8);
    else dot8_vnni(a, b, ldb, k, c, (int)n);
}

// Whether the CPU has AVX-512 VNNI, asked once (a race writes the same answer).
static int has_vnni(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512vnni") ? 1 : 0;
    }
    return known;
}

static void block_avx2(const uint8_t *a, const int8_t *b, int64_t ldb, int64_t k, int32_t *c, int64_t n) {
    switch (n) {
    case 4: dot4_avx2(a, b, ldb, k, c, 4); break;
    case 3: dot4_avx2(a, b, ldb, k, c, 3); break;
    case 2: dot4_avx2(a, b, ldb, k, c, 2); break;
    default: dot4_avx2(a, b, ldb, k, c, 1); break;
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl")))
static void block_avx512(const uint8_t *a, const int8_t *b, int64_t ldb, int64_t k, int32_t *c, int64_t n) {
    switch (n) {
    case 4: dot4_avx512(a, b, ldb, k, c, 4); break;
    case 3: dot4_avx512(a, b, ldb, k, c, 3); break;
    case 2: dot4_avx512(a, b, ldb, k, c, 2); break;
    default: dot4_avx512(a, b, ldb, k, c, 1); break;
    }
}

void pare_int8_gemv(int32_t isa, const uint8_t *a, int64_t lda, const int8_t *b, int64_t ldb, int32_t *c, int64_t ldc,
                    int64_t rows, int64_t o_begin, int64_t o_end, int64_t k) {
    if (isa == 0) isa = pare_decode_isa();
    if (isa == PARE_ISA_AVX512 && has_vnni()) {
        for (int64_t o = o_begin; o < o_end; o += 8) {
            const int64_t n = o_end - o < 8 ? o_end - o : 8;
            for (int64_t r = 0; r < rows; r++) block_vnni(a + r * lda, b + o * ldb, ldb, k, c + r * ldc + o, n);
        }
        return;
    }
    for (int64_t o = o_begin; o < o_end; o += 4) {
        const int64_t n = o_end - o < 4 ? o_end - o : 4;
        for (int64_t r = 0; r < rows; r++) {
            if (isa == PARE_ISA_AVX512) block_avx512(a + r * lda, b + o * ldb, ldb, k, c + r * ldc + o, n);
            else block_avx2(a + r * lda, b + o * ldb, ldb, k, c + r * ldc + o, n);
        }
    }
}
