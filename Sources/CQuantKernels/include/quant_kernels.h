// The two per-element passes around an int8 GEMM, in C so that clang vectorises them (Swift's
// SIMD16<Int32> ↔ Float and UInt8 narrowing conversions stayed scalar: about 1 ns per element).
// Built with -O3 -mavx2 -mfma -ffp-contract=off: no fused multiply-adds, so every element is
// rounded exactly as the formulas below say, whatever the vector width.
#pragma once
#include <stdint.h>

// Per-row (per-token) asymmetric quantization of x [rows, columns] (row stride ldx) to codes
// 0…maximum: lo = min(0, min x), hi = max(0, max x) (NaN values skipped), s = (hi − lo)/maximum (1 if the range is
// zero or not finite), z = roundHalfEven(−lo/s) clamped to 0…maximum,
// q = clamp(roundHalfEven(x·(1/s) + z), 0, maximum) with NaN → 0. q is dense [rows, columns].
void pare_quantize_rows(const float *x, int64_t rows, int64_t columns, int64_t ldx, int32_t maximum,
                        uint8_t *q, float *scales, int32_t *zero_points);

// y[r, o] = (float)(c[r, o] − z[r]·sums[o]) · (column_scales[o] · row_scales[r]) (+ bias[o]) (+ y[r, o] when
// accumulate), for c [rows, columns] (row stride ldc) and y (row stride ldy). bias may be NULL.
void pare_dequantize_accumulators(const int32_t *c, int64_t ldc, int64_t rows, int64_t columns,
                                  const float *row_scales, const int32_t *zero_points,
                                  const float *column_scales, const int32_t *column_sums,
                                  const float *bias, float *y, int64_t ldy, int32_t accumulate);
