#include "decode_kernels.h"

void pare_triad(float *a, const float *b, const float *c, float s, int64_t count) {
    // Plain loop: clang vectorises it with the target's widest registers.
    for (int64_t i = 0; i < count; i++) a[i] = b[i] + s * c[i];
}
