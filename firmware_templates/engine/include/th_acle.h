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

/* Bytes 0, 2 and bytes 1, 3 of x sign-extended to halfword pairs. On the core the rotation folds
 * into SXTB16's operand (GCC's intrinsic does not do it by itself). */
static inline int32_t th_sxtb16_even(int32_t x) { return __sxtb16(x); }
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
static inline int32_t th_sxtb16_odd(int32_t x) {
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline int32_t th_sxtab16_odd(int32_t acc, int32_t x) {
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
    return r;
}
/* Per-byte signed maximum: SSUB8 sets the GE flags per byte, SEL picks by them. One asm block so
 * nothing can be scheduled between the two. */
static inline int32_t th_smax8x4(int32_t a, int32_t b) {
    int32_t r, t;
    __asm__("ssub8 %1, %2, %3\n\tsel %0, %2, %3" : "=r"(r), "=&r"(t) : "r"(a), "r"(b) : "cc");
    return r;
}
/* Per-byte signed minimum: the same with SEL's operands swapped. */
static inline int32_t th_smin8x4(int32_t a, int32_t b) {
    int32_t r, t;
    __asm__("ssub8 %1, %2, %3\n\tsel %0, %3, %2" : "=r"(r), "=&r"(t) : "r"(a), "r"(b) : "cc");
    return r;
}
#else
static inline int32_t th_smax8x4(int32_t a, int32_t b) {
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        const int8_t x = (int8_t)(uint8_t)((uint32_t)a >> (8 * i)), y = (int8_t)(uint8_t)((uint32_t)b >> (8 * i));
        r |= (uint32_t)(uint8_t)(x > y ? x : y) << (8 * i);
    }
    return (int32_t)r;
}
static inline int32_t th_smin8x4(int32_t a, int32_t b) {
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        const int8_t x = (int8_t)(uint8_t)((uint32_t)a >> (8 * i)), y = (int8_t)(uint8_t)((uint32_t)b >> (8 * i));
        r |= (uint32_t)(uint8_t)(x < y ? x : y) << (8 * i);
    }
    return (int32_t)r;
}
static inline int32_t th_sxtb16_odd(int32_t x) { return __sxtb16(th_ror8(x)); }
static inline int32_t th_sxtab16_odd(int32_t acc, int32_t x) { return __sxtab16(acc, th_ror8(x)); }
#endif

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
