// Batch-1 (small-batch) decode kernels that read each weight once per token: half-precision
// (bf16, f16) GEMV computed from the stored 16-bit weights, widened in registers, and the
// STREAM-style triad that measures the memory bandwidth such kernels are bound by.
//
// Built with -O3 -mavx2 -mfma -mf16c -ffp-contract=off; the AVX-512 paths carry their own target
// attribute and are chosen at run time (cpuid via __builtin_cpu_supports), unless the environment
// variable PARE_CPU_ISA=avx2 caps them. Both paths add in the same order (16 lanes: AVX-512 one
// register, AVX2 two), so they give the same bits, as do any split of the outputs over threads.
#pragma once
#include <stdint.h>

// Weight storage of `pare_half_gemv` (PARE_F32: `pare_f32_gemv`'s, internal).
enum { PARE_HALF_BF16 = 0, PARE_HALF_F16 = 1, PARE_F32 = 2 };
// Instruction sets of the dispatch: 1 = AVX2 + FMA + F16C, 2 = AVX-512 (F, BW, VL).
enum { PARE_ISA_AVX2 = 1, PARE_ISA_AVX512 = 2 };

// The instruction set the kernels use: AVX-512 where the CPU has it, unless PARE_CPU_ISA=avx2.
int32_t pare_decode_isa(void);

// y[r, o] = Σ_i x[r, i] · W[o, i] (+ y[r, o] when accumulate), for r < rows and o in
// [o_begin, o_end); W [out, in] of 16-bit `kind` values (row stride in), x row stride ldx, y row
// stride ldy. The sum over i: lane j (< 16) accumulates x[i]·W[o, i] for i ≡ j (mod 16) in
// ascending i with fused multiply-adds (a tail is padded with zeros), then
// s = ((l[0..7] + l[8..15]) → (+4) → (+2) → (+1)) pairwise in halves. `isa` 0 = pare_decode_isa().
void pare_half_gemv(int32_t isa, int32_t kind, const uint16_t *w, int64_t in, const float *x, int64_t ldx,
                    int64_t rows, float *y, int64_t ldy, int64_t o_begin, int64_t o_end, int32_t accumulate);

// pare_half_gemv's product for f32 weights W [out, in], in the same order of additions: what an
// sgemm of few rows computes, but reading W once (an sgemm of 1 row packs W first) and with bits
// that do not depend on the split of the outputs, the thread count or the instruction set.
void pare_f32_gemv(int32_t isa, const float *w, int64_t in, const float *x, int64_t ldx,
                   int64_t rows, float *y, int64_t ldy, int64_t o_begin, int64_t o_end, int32_t accumulate);

// out[i] = (float)W[i] for i < count: bf16 by a 16-bit shift, f16 by F16C.
void pare_half_widen(int32_t kind, const uint16_t *w, int64_t count, float *out);

// a[i] = b[i] + s·c[i] for i < count (STREAM's triad: 2 reads and 1 write per element).
void pare_triad(float *a, const float *b, const float *c, float s, int64_t count);

// c[r, o] = Σ_{i<k} a[r, i] · b[o, i] in exact int32, for r < rows and o in [o_begin, o_end):
// a u8 [rows, k] (row stride lda), b s8 [out, k] (row stride ldb), c (row stride ldc). What
// Int8GEMM (oneDNN) computes, for few rows: b is read once for all rows. Products are widened to
// int16 and paired into int32 (vpmaddwd), or with AVX-512 VNNI (when `isa` is AVX-512 and the CPU
// has it) summed in fours into int32 (vpdpbusd, 8 weight rows at a time); never saturated, so any
// codes and weights are exact and every path gives the same sums. `isa` 0 = pare_decode_isa().
void pare_int8_gemv(int32_t isa, const uint8_t *a, int64_t lda, const int8_t *b, int64_t ldb, int32_t *c, int64_t ldc,
                    int64_t rows, int64_t o_begin, int64_t o_end, int64_t k);
