/* DSP-extension intrinsics: GCC's arm_acle.h on a core with the DSP extension, the plain-C
 * emulation elsewhere (host tests of the DSP kernels), plus small load helpers. */
#ifndef TH_ACLE_H
#define TH_ACLE_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#else
#include "th_acle_portable.h"
#endif

/* Rotate right by 8: brings bytes 1 and 3 into the positions SXTB16 extends. */
static inline int32_t th_ror8(int32_t x) { return (int32_t)(((uint32_t)x >> 8) | ((uint32_t)x << 24)); }

/* Four int8 values as one word (unaligned-safe; a single LDR on Cortex-M4/M7). */
static inline int32_t th_load4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline void th_store2(int8_t *p, int8_t a, int8_t b) {
    p[0] = a;
    p[1] = b;
}

#endif /* TH_ACLE_H */
