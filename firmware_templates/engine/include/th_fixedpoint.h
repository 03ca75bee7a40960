/*
 * Integer arithmetic shared by the kernels, matching TFLite's reference semantics:
 * rounding doubling high multiply, rounding division by a power of two, requantisation with a
 * 32-bit multiplier and shift, and Q-format fixed-point exp / reciprocal / logistic in the
 * gemmlowp style (raw int32 values with a given number of integer bits).
 */
#ifndef TH_FIXEDPOINT_H
#define TH_FIXEDPOINT_H

#include <stdint.h>

/* Wrapping int32 arithmetic (the reference relies on two's complement behaviour). */
static inline int32_t th_wadd(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t th_wsub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t th_shl(int32_t a, int s) { return (int32_t)((uint32_t)a << s); }

/* round(a * b / 2^31) with ties away from zero, saturating the single overflow case. */
static inline int32_t th_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? (int64_t)(1 << 30) : (int64_t)(1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^e rounded to nearest, ties away from zero (0 <= e <= 31). */
static inline int32_t th_rdbpot(int32_t x, int e) {
    const int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    const int32_t rem = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > threshold ? 1 : 0);
}

/* x * multiplier * 2^shift, the TFLite requantisation (multiplier in [0, 2^31)).
 * The doubling high multiply is computed as floor((a * b + 2^30) / 2^31) (an arithmetic shift).
 * For every pair except a = b = INT32_MIN this equals th_srdhm's nudge-and-truncate form: for
 * a * b >= 0 both are the same floor; for a * b = -k < 0, truncating (1 - 2^30 - k) / 2^31 gives
 * -floor((k + 2^30 - 1) / 2^31) = -ceil((k - 2^30) / 2^31) = floor((2^30 - k) / 2^31).
 * On Cortex-M it is one 64-bit multiply-accumulate and a funnel shift, without branches. */
static inline int32_t th_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    const int32_t a = th_shl(x, left);
    if (multiplier == INT32_MIN) {
        return th_rdbpot(th_srdhm(a, multiplier), right);
    }
    const int32_t high = (int32_t)(((int64_t)a * (int64_t)multiplier + ((int64_t)1 << 30)) >> 31);
    return th_rdbpot(high, right);
}

/* th_mbqm for multipliers known to be >= 0 (the plan validator checks the per-channel arrays the
 * DSP kernels use): no special case. */
static inline int32_t th_mbqm_nonneg(int32_t x, int32_t multiplier, int32_t shift) {
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = left - shift;
    const int32_t a = th_shl(x, left);
    const int32_t high = (int32_t)(((int64_t)a * (int64_t)multiplier + ((int64_t)1 << 30)) >> 31);
    return th_rdbpot(high, right);
}

/* th_mbqm_nonneg(x, multiplier, shift) + out_offset as ONE 64-bit multiply-accumulate and one
 * arithmetic shift, for right shifts r = -shift in [2, 22] and |out_offset| <= 128 (multiplier >= 0).
 * With no left shift, high = floor((x*m + 2^30) / 2^31), and th_rdbpot(high, r) (ties away from
 * zero) = floor((high + 2^(r-1) - [high < 0]) / 2^r). Integer terms move inside a floor, and
 * floor(floor(z / 2^31) / 2^r) = floor(z / 2^(31+r)), so the result is
 *   floor((x*m + 2^30 + 2^(30+r) - [high < 0]*2^31 + out_offset*2^(31+r)) / 2^(31+r)).
 * [high < 0] may be replaced by [x < 0]: x < 0 with high = 0 gives 0 either way (the added term is
 * in [0, 2^(31+r)) for r >= 1), and x >= 0 never has high < 0 since m >= 0.
 * The addend is hi:lo with hi = 2^(r-2) + out_offset*2^(r-1) (th_rq_hi, per channel) and
 * lo = 2^30 for x >= 0; for x < 0 subtracting 2^31 gives hi - 1 : 2^31 + 2^30. Since 31+r >= 32 the
 * result is the high word shifted right by r - 1. The bounds keep that word in int32:
 * |x*m| / 2^32 < 2^30 and |hi| <= 2^28 + 2^20. */
static inline int th_rq_fast_ok(int32_t shift, int32_t out_offset) {
    return shift <= -2 && shift >= -22 && out_offset >= -128 && out_offset <= 128;
}
static inline int32_t th_rq_hi(int32_t shift, int32_t out_offset) {
    const int r = -shift;
    return (int32_t)(((int64_t)1 << (r - 2)) + (int64_t)out_offset * ((int64_t)1 << (r - 1)));
}
/* th_rq_hi(shift, out_offset) in 32-bit arithmetic from o21 = 2 * out_offset + 1 (a per-op
 * constant): 2^(r-2) + out_offset * 2^(r-1) = o21 * 2^(r-2), and |o21| <= 257 keeps it inside
 * 2^29 for r <= 22. Same range as th_rq_fast_ok. */
static inline int32_t th_rq_hi_o21(int32_t o21, int32_t shift) {
    return (int32_t)((uint32_t)o21 << (-shift - 2));
}
static inline int32_t th_rq_fast(int32_t x, int32_t multiplier, int32_t hi, int32_t rshift_minus_1) {
    const uint32_t lo = ((uint32_t)x & 0x80000000u) | 0x40000000u;
    const uint32_t h = (uint32_t)hi + (uint32_t)(x >> 31);
    const int64_t addend = (int64_t)(((uint64_t)h << 32) | lo);
    const int64_t sum = addend + (int64_t)x * (int64_t)multiplier;
    return (int32_t)(sum >> 32) >> rshift_minus_1;
}

static inline int32_t th_clamp(int32_t x, int32_t lo, int32_t hi) {
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
}

/* x * 2^e, saturating for e > 0, rounding for e < 0. */
static inline int32_t th_sat_mul_pot(int32_t x, int e) {
    if (e == 0) {
        return x;
    }
    if (e < 0) {
        return th_rdbpot(x, -e);
    }
    const int32_t threshold = INT32_MAX >> e;
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return th_shl(x, e);
}

/* (a + b) / 2 rounded away from zero, without overflow. */
static inline int32_t th_rounding_half_sum(int32_t a, int32_t b) {
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* exp(a) for a in [-1/4, 0), a and result in Q0.31: Taylor series around -1/8. */
static inline int32_t th_exp_on_interval_neg_quarter(int32_t a) {
    const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0.31 */
    const int32_t one_third = 715827883;             /* 1/3 in Q0.31 */
    const int32_t x = th_wadd(a, 1 << 28);           /* a + 1/8 */
    const int32_t x2 = th_srdhm(x, x);
    const int32_t x3 = th_srdhm(x2, x);
    const int32_t x4 = th_srdhm(x2, x2);
    const int32_t x4_over_4 = th_sat_mul_pot(x4, -2);
    const int32_t poly = th_sat_mul_pot(th_wadd(th_srdhm(th_wadd(x4_over_4, x3), one_third), x2), -1);
    return th_wadd(exp_minus_one_eighth, th_srdhm(exp_minus_one_eighth, th_wadd(x, poly)));
}

/* exp(a) for a <= 0 given with `int_bits` integer bits; result in Q0.31. */
static inline int32_t th_exp_on_negative_values(int32_t a, int int_bits) {
    /* exp(-2^k) in Q0.31 for k = -2 .. 4 */
    static const int32_t exp_neg_pot[7] = {1672461947, 1302514674, 790015084, 290630308,
                                           39332535,   720401,     242};
    const int frac_bits = 31 - int_bits;
    const int32_t one_quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_quarter = th_wsub(a & mask, one_quarter);
    int32_t result = th_exp_on_interval_neg_quarter(th_sat_mul_pot(a_mod_quarter_minus_quarter, int_bits));
    const int32_t remainder = th_wsub(a_mod_quarter_minus_quarter, a);
    for (int i = 0; i < 7; i++) {
        const int exponent = i - 2;
        if (int_bits > exponent) {
            const int bit = frac_bits + exponent;
            if (((uint32_t)remainder >> bit) & 1u) {
                result = th_srdhm(result, exp_neg_pot[i]);
            }
        }
    }
    if (int_bits > 5) {
        const int32_t clamp = -((int32_t)1 << (36 - int_bits)); /* -32 */
        if (a < clamp) {
            result = 0;
        }
    }
    if (a == 0) {
        result = INT32_MAX;
    }
    return result;
}

/* 1 / (1 + a) for a in [0, 1) in Q0.31, by three Newton-Raphson steps in Q2.29. */
static inline int32_t th_one_over_one_plus_x(int32_t a) {
    const int32_t half_denominator = th_rounding_half_sum(a, INT32_MAX);
    const int32_t c48_over_17 = 1515870810;      /* 48/17 in Q2.29 */
    const int32_t cneg32_over_17 = -1010580540;  /* -32/17 in Q2.29 */
    int32_t x = th_wadd(c48_over_17, th_srdhm(half_denominator, cneg32_over_17));
    for (int i = 0; i < 3; i++) {
        const int32_t hdx = th_srdhm(half_denominator, x);
        const int32_t one_minus_hdx = th_wsub((int32_t)1 << 29, hdx);
        x = th_wadd(x, th_sat_mul_pot(th_srdhm(x, one_minus_hdx), 2));
    }
    return th_sat_mul_pot(x, 1);
}

/* Reciprocal of a positive Q(int_bits) value: returns the Q0.31 mantissa and the exponent. */
static inline int32_t th_reciprocal(int32_t x, int int_bits, int *num_bits_over_unit) {
    const int headroom_plus_one = __builtin_clz((uint32_t)x);
    *num_bits_over_unit = int_bits - headroom_plus_one;
    const int32_t shifted_minus_one = (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
    return th_one_over_one_plus_x(shifted_minus_one);
}

/* logistic(a) with a in Q4.27, result in Q0.31. */
static inline int32_t th_logistic_q4(int32_t a) {
    if (a == 0) {
        return (int32_t)1 << 30;
    }
    const int32_t abs_a = a > 0 ? a : -a;
    const int32_t pos = th_one_over_one_plus_x(th_exp_on_negative_values(-abs_a, 4));
    return a > 0 ? pos : th_wsub(INT32_MAX, pos);
}

#endif /* TH_FIXEDPOINT_H */
