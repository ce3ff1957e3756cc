#include "decode_kernels.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int32_t pare_decode_isa(void) {
    static int32_t chosen = 0;
    if (chosen) return chosen;
    int32_t isa = PARE_ISA_AVX2;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
        isa = PARE_ISA_AVX512;
    }
    const char *cap = getenv("PARE_CPU_ISA");
    if (cap && strcasecmp(cap, "avx2") == 0) isa = PARE_ISA_AVX2;
    chosen = isa;
    return isa;
}

// ---- AVX2: 16 lanes as two 8-float registers (lanes 0–7 low, 8–15 high). ----

static inline __m256 widen8(int32_t kind, const uint16_t *p) {
    const __m128i h = _mm_loadu_si128((const __m128i *)p);
    if (kind == PARE_HALF_BF16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    return _mm256_cvtph_ps(h);
}

// l[0..7] + l[8..15], then halves: the reduction order of the header.
static inline float reduce16_avx2(__m256 lo, __m256 hi) {
    const __m256 s8 = _mm256_add_ps(lo, hi);
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    const __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
    return _mm_cvtss_f32(s1);
}

// Bytes of one weight of `kind`: 2 for the 16-bit storages, 4 for f32.
static inline int64_t weight_size(int32_t kind) { return kind == PARE_F32 ? 4 : 2; }

// W's element `i` on, as 8 floats: f32 loaded, bf16/f16 widened.
static inline __m256 load8(int32_t kind, const void *w, int64_t i) {
    if (kind == PARE_F32) return _mm256_loadu_ps((const float *)w + i);
    return widen8(kind, (const uint16_t *)w + i);
}

// The last n = in % 16 values of a weight row and of x, zero-padded to 16 (zero bytes are 0 in
// every storage); wt holds 16 weights of `kind`.
static inline void tail16(int32_t kind, const void *w, const float *x, int64_t n, unsigned char wt[64], float xt[16]) {
    memset(wt, 0, 64);
    memset(xt, 0, 16 * sizeof(float));
    memcpy(wt, w, (size_t)(n * weight_size(kind)));
    memcpy(xt, x, (size_t)n * sizeof(float));
}

static inline void store(float *y, float s, int32_t accumulate) { *y = accumulate ? *y + s : s; }

// n_rows (≤ 4, a constant after inlining) weight rows against one x row: x is loaded once for them.
static inline __attribute__((always_inline)) void gemv4_avx2(int32_t kind, const void *w, int64_t in, const float *x, float *y, int64_t n_rows,
                       int32_t accumulate) {
    __m256 lo[4], hi[4];
    for (int j = 0; j < 4; j++) lo[j] = hi[j] = _mm256_setzero_ps();
    const int64_t body = in & ~(int64_t)15;
    for (int64_t i = 0; i < body; i += 16) {
        const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
        for (int j = 0; j < n_rows; j++) {
            lo[j] = _mm256_fmadd_ps(x0, load8(kind, w, j * in + i), lo[j]);
            hi[j] = _mm256_fmadd_ps(x1, load8(kind, w, j * in + i + 8), hi[j]);
        }
    }
    if (body < in) {
        float xt[16];
        unsigned char wt[64];
        for (int j = 0; j < n_rows; j++) {
            tail16(kind, (const char *)w + (j * in + body) * weight_size(kind), x + body, in - body, wt, xt);
            lo[j] = _mm256_fmadd_ps(_mm256_loadu_ps(xt), load8(kind, wt, 0), lo[j]);
            hi[j] = _mm256_fmadd_ps(_mm256_loadu_ps(xt + 8), load8(kind, wt, 8), hi[j]);
        }
    }
    for (int j = 0; j < n_rows; j++) store(y + j, reduce16_avx2(lo[j], hi[j]), accumulate);
}

// ---- AVX-512: the same 16 lanes in one register. ----

__attribute__((target("avx512f,avx512bw,avx512vl")))
static inline __m512 widen16(int32_t kind, const uint16_t *p) {
    const __m256i h = _mm256_loadu_si256((const __m256i *)p);
    if (kind == PARE_HALF_BF16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    return _mm512_cvtph_ps(h);
}

__attribute__((target("avx512f,avx512bw,avx512vl")))
static inline __m512 load16(int32_t kind, const void *w, int64_t i) {
    if (kind == PARE_F32) return _mm512_loadu_ps((const float *)w + i);
    return widen16(kind, (const uint16_t *)w + i);
}

__attribute__((target("avx512f,avx512bw,avx512vl")))
static inline float reduce16_avx512(__m512 l) {
    return reduce16_avx2(_mm512_castps512_ps256(l), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(l), 1)));
}

__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline))
static inline void gemv4_avx512(int32_t kind, const void *w, int64_t in, const float *x, float *y, int64_t n_rows,
                         int32_t accumulate) {
    __m512 acc[4];
    for (int j = 0; j < 4; j++) acc[j] = _mm512_setzero_ps();
    const int64_t body = in & ~(int64_t)15;
    for (int64_t i = 0; i < body; i += 16) {
        const __m512 xv = _mm512_loadu_ps(x + i);
        for (int j = 0; j < n_rows; j++) acc[j] = _mm512_fmadd_ps(xv, load16(kind, w, j * in + i), acc[j]);
    }
    if (body < in) {
        float xt[16];
        unsigned char wt[64];
        for (int j = 0; j < n_rows; j++) {
            tail16(kind, (const char *)w + (j * in + body) * weight_size(kind), x + body, in - body, wt, xt);
            acc[j] = _mm512_fmadd_ps(_mm512_loadu_ps(xt), load16(kind, wt, 0), acc[j]);
        }
    }
    for (int j = 0; j < n_rows; j++) store(y + j, reduce16_avx512(acc[j]), accumulate);
}

// One x row against n weight rows, n a literal in each call so the accumulators stay in registers.
static void row_avx2(int32_t kind, const void *w, int64_t in, const float *x, float *y, int64_t n, int32_t accumulate) {
    switch (n) {
    case 4: gemv4_avx2(kind, w, in, x, y, 4, accumulate); break;
    case 3: gemv4_avx2(kind, w, in, x, y, 3, accumulate); break;
    case 2: gemv4_avx2(kind, w, in, x, y, 2, accumulate); break;
    default: gemv4_avx2(kind, w, in, x, y, 1, accumulate); break;
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl")))
static void row_avx512(int32_t kind, const void *w, int64_t in, const float *x, float *y, int64_t n, int32_t accumulate) {
    switch (n) {
    case 4: gemv4_avx512(kind, w, in, x, y, 4, accumulate); break;
    case 3: gemv4_avx512(kind, w, in, x, y, 3, accumulate); break;
    case 2: gemv4_avx512(kind, w, in, x, y, 2, accumulate); break;
    default: gemv4_avx512(kind, w, in, x, y, 1, accumulate); break;
    }
}

// W of `kind` (f32 or 16-bit) against rows of x; what pare_half_gemv and pare_f32_gemv compute.
static void gemv(int32_t isa, int32_t kind, const void *w, int64_t in, const float *x, int64_t ldx,
                 int64_t rows, float *y, int64_t ldy, int64_t o_begin, int64_t o_end, int32_t accumulate) {
    if (isa == 0) isa = pare_decode_isa();
    // Blocks of four weight rows; every x row runs against a block while it is in cache, so W
    // is read from memory once for all rows.
    for (int64_t o = o_begin; o < o_end; o += 4) {
        const int64_t n = o_end - o < 4 ? o_end - o : 4;
        const void *wo = (const char *)w + o * in * weight_size(kind);
        for (int64_t r = 0; r < rows; r++) {
            if (isa == PARE_ISA_AVX512) row_avx512(kind, wo, in, x + r * ldx, y + r * ldy + o, n, accumulate);
            else row_avx2(kind, wo, in, x + r * ldx, y + r * ldy + o, n, accumulate);
        }
    }
}

void pare_half_gemv(int32_t isa, int32_t kind, const uint16_t *w, int64_t in, const float *x, int64_t ldx,
                    int64_t rows, float *y, int64_t ldy, int64_t o_begin, int64_t o_end, int32_t accumulate) {
    gemv(isa, kind, w, in, x, ldx, rows, y, ldy, o_begin, o_end, accumulate);
}

void pare_f32_gemv(int32_t isa, const float *w, int64_t in, const float *x, int64_t ldx,
                   int64_t rows, float *y, int64_t ldy, int64_t o_begin, int64_t o_end, int32_t accumulate) {
    gemv(isa, PARE_F32, w, in, x, ldx, rows, y, ldy, o_begin, o_end, accumulate);
}

void pare_half_widen(int32_t kind, const uint16_t *w, int64_t count, float *out) {
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(out + i, widen8(kind, w + i));
    if (i < count) {
        uint16_t t[8] = {0};
        float f[8];
        memcpy(t, w + i, (size_t)(count - i) * sizeof(uint16_t));
        _mm256_storeu_ps(f, widen8(kind, t));
        memcpy(out + i, f, (size_t)(count - i) * sizeof(float));
    }
}
