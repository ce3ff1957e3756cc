#include "quant_kernels.h"

#include <float.h>
#include <immintrin.h>
#include <math.h>

// 1.5·2²³: adding it to |v| ≤ 2²² rounds v to an integer, ties to even (the default rounding mode).
static const float round_magic = 12582912.0f;

static inline float round_half_even(float v) { return (v + round_magic) - round_magic; }

void pare_quantize_rows(const float *x, int64_t rows, int64_t columns, int64_t ldx, int32_t maximum,
                        uint8_t *q, float *scales, int32_t *zero_points) {
    const float upper = (float)maximum;
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * ldx;
        uint8_t *qr = q + r * columns;
        // min/max as explicit AVX reductions (clang leaves a scalar loop: NaN ordering). The new
        // value is the first operand: minps/maxps return the second when either is NaN, so a NaN
        // input is skipped and never replaces the running extreme.
        __m256 lo8 = _mm256_setzero_ps(), hi8 = _mm256_setzero_ps();
        int64_t i = 0;
        for (; i + 8 <= columns; i += 8) {
            const __m256 v = _mm256_loadu_ps(xr + i);
            lo8 = _mm256_min_ps(v, lo8);
            hi8 = _mm256_max_ps(v, hi8);
        }
        float lanes_lo[8], lanes_hi[8];
        _mm256_storeu_ps(lanes_lo, lo8);
        _mm256_storeu_ps(lanes_hi, hi8);
        float lo = 0, hi = 0;
        for (int j = 0; j < 8; j++) {
            lo = lanes_lo[j] < lo ? lanes_lo[j] : lo;
            hi = lanes_hi[j] > hi ? lanes_hi[j] : hi;
        }
        for (; i < columns; i++) {
            lo = xr[i] < lo ? xr[i] : lo;
            hi = xr[i] > hi ? xr[i] : hi;
        }
        const float range = hi - lo;
        float s = 1, zf = 0;
        if (range > 0 && isfinite(range)) {
            s = range / upper;
            if (s < FLT_MIN) s = FLT_MIN;
            zf = round_half_even(-lo / s);
            zf = zf < 0 ? 0 : (zf > upper ? upper : zf);
        }
        scales[r] = s;
        zero_points[r] = (int32_t)zf;
        const float inv = 1 / s;
        const __m256 inv8 = _mm256_set1_ps(inv), z8 = _mm256_set1_ps(zf), upper8 = _mm256_set1_ps(upper);
        const __m256 zero8 = _mm256_setzero_ps();
        const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
#define PARE_QUANTIZE8(p) _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(p), inv8), z8), zero8), upper8))
        // 32 codes per step: x·(1/s) + z, max with 0 (NaN → 0), min with Q, round to nearest even
        // (cvtps uses the default rounding mode), then narrow 32 → 16 → 8 bits and undo the
        // per-128-bit-lane interleaving of the packs.
        for (i = 0; i + 32 <= columns; i += 32) {
            const __m256i ab = _mm256_packus_epi32(PARE_QUANTIZE8(xr + i), PARE_QUANTIZE8(xr + i + 8));
            const __m256i cd = _mm256_packus_epi32(PARE_QUANTIZE8(xr + i + 16), PARE_QUANTIZE8(xr + i + 24));
            _mm256_storeu_si256((__m256i *)(qr + i), _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), order));
        }
#undef PARE_QUANTIZE8
        for (; i < columns; i++) {
            float v = xr[i] * inv;
            v = v + zf;
            v = v > 0 ? v : 0;
            v = v < upper ? v : upper;
            qr[i] = (uint8_t)(int32_t)round_half_even(v);
        }
    }
}

void pare_dequantize_accumulators(const int32_t *c, int64_t ldc, int64_t rows, int64_t columns,
                                  const float *row_scales, const int32_t *zero_points,
                                  const float *column_scales, const int32_t *column_sums,
                                  const float *bias, float *y, int64_t ldy, int32_t accumulate) {
    for (int64_t r = 0; r < rows; r++) {
        const int32_t *cr = c + r * ldc;
        float *yr = y + r * ldy;
        const float sa = row_scales[r];
        const int32_t z = zero_points[r];
        if (bias && accumulate) {
            for (int64_t o = 0; o < columns; o++)
                yr[o] = ((float)(cr[o] - z * column_sums[o]) * (column_scales[o] * sa) + bias[o]) + yr[o];
        } else if (bias) {
            for (int64_t o = 0; o < columns; o++)
                yr[o] = (float)(cr[o] - z * column_sums[o]) * (column_scales[o] * sa) + bias[o];
        } else if (accumulate) {
            for (int64_t o = 0; o < columns; o++)
                yr[o] = (float)(cr[o] - z * column_sums[o]) * (column_scales[o] * sa) + yr[o];
        } else {
            for (int64_t o = 0; o < columns; o++)
                yr[o] = (float)(cr[o] - z * column_sums[o]) * (column_scales[o] * sa);
        }
    }
}
