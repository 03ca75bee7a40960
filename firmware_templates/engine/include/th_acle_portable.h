/*
 * Plain-C emulation of the Arm DSP-extension intrinsics the kernels use (ACLE names and
 * semantics), so the DSP kernel variants can be built and tested on the host. On a Cortex-M4/M7
 * th_acle.h includes GCC's arm_acle.h instead.
 */
#ifndef TH_ACLE_PORTABLE_H
#define TH_ACLE_PORTABLE_H

#include <stdint.h>

typedef int32_t int8x4_t;
typedef int32_t int16x2_t;

static inline int32_t th_lo16(int32_t x) { return (int32_t)(int16_t)(uint16_t)((uint32_t)x & 0xFFFFu); }
static inline int32_t th_hi16(int32_t x) { return (int32_t)(int16_t)(uint16_t)((uint32_t)x >> 16); }
static inline int32_t th_pack16(int32_t lo, int32_t hi) {
    return (int32_t)(((uint32_t)hi << 16) | ((uint32_t)lo & 0xFFFFu));
}

/* SXTB16: sign-extend bytes 0 and 2 into two halfwords. */
static inline int16x2_t __sxtb16(int8x4_t x) {
    return th_pack16((int8_t)(uint8_t)((uint32_t)x & 0xFFu), (int8_t)(uint8_t)(((uint32_t)x >> 16) & 0xFFu));
}

/* SXTAB16: a + sign-extended bytes 0 and 2 of x, per halfword (wrapping). */
static inline int16x2_t __sxtab16(int16x2_t a, int8x4_t x) {
    const int16x2_t e = __sxtb16(x);
    return th_pack16(th_lo16(a) + th_lo16(e), th_hi16(a) + th_hi16(e));
}

/* SMLAD: acc + a.lo * b.lo + a.hi * b.hi (wrapping; the Q flag is not modelled). */
static inline int32_t __smlad(int16x2_t a, int16x2_t b, int32_t acc) {
    const uint32_t sum = (uint32_t)acc + (uint32_t)(th_lo16(a) * th_lo16(b)) + (uint32_t)(th_hi16(a) * th_hi16(b));
    return (int32_t)sum;
}

/* SMLABB / SMLATT: acc + bottom*bottom, acc + top*top. */
static inline int32_t __smlabb(int32_t a, int32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(th_lo16(a) * th_lo16(b)));
}
static inline int32_t __smlatt(int32_t a, int32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(th_hi16(a) * th_hi16(b)));
}

/* SSAT: saturate to a signed `bits`-bit range. */
static inline int32_t th_ssat_portable(int32_t x, int bits) {
    const int32_t hi = (int32_t)((1u << (bits - 1)) - 1u), lo = -hi - 1;
    return x < lo ? lo : (x > hi ? hi : x);
}
#define __ssat(x, bits) th_ssat_portable((x), (bits))

#endif /* TH_ACLE_PORTABLE_H */
