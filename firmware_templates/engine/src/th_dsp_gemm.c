/* DSP-extension GEMM cores.
 *
 * Convolutions (th_dsp_gemm_x16): activations are first widened to int16 once per pixel pair, in
 * the order SXTB16 produces (bytes 0,2 then 1,3 of every 4-byte group, two rows interleaved), so
 * the inner loop loads ready-made halfword pairs and only widens the weights: per 4 depth steps,
 * 2 rows x 2 output channels = 16 MACs in 8 SMLADs. The input offset is folded into ksum on the
 * host, so no per-element offset add is needed. Output stage: when every channel allows it
 * (th_gemm_rq_fast_ok, checked once per op by the caller) th_rq_fast, one SMLAL and one shift per
 * output with each channel's constants derived once for both rows; otherwise the reference
 * requantisation. The per-output cost matters most where depth is small (stems, narrow layers).
 *
 * Fully connected (th_dsp_gemm_rows): one or two int8 rows against 4/2/1 weight rows at a time,
 * widening the activations once per group of output channels. */
#if TH_USE_DSP

#include "th_acle.h"
#include "th_dsp.h"
#include "th_fixedpoint.h"

/* Takes the output constants by value: int8 stores may alias *q, and a pointer would make the
 * compiler reload every field after each store. */
static inline int8_t requant(int32_t acc, th_gemm_out_t q, int32_t c) {
    const int32_t v = th_mbqm_nonneg(acc, q.mult[c], q.shift[c]) + q.out_offset;
    return (int8_t)th_clamp(v, q.act_min, q.act_max);
}

int32_t th_gemm_rq_fast_ok(const th_gemm_out_t *q, int32_t n) {
    for (int32_t c = 0; c < n; c++) {
        if (q->mult[c] < 0 || !th_rq_fast_ok(q->shift[c], q->out_offset)) {
            return 0;
        }
    }
    return 1;
}

/* th_rq_fast with the per-channel constants of th_rq_hi(sh, out_offset) = hi and r - 1 = rs
 * (r = -sh in [2, 22]), before the activation clamp. On the core one asm block: GCC spills the
 * loop state around the 64-bit arithmetic of the C version. */
static inline __attribute__((always_inline)) int32_t rq_fast_core(int32_t acc, int32_t m, int32_t hi, int32_t rs) {
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    int32_t h, l;
    __asm__("and %[l], %[a], #0x80000000\n\t"
            "orr %[l], %[l], #0x40000000\n\t"
            "add %[h], %[hi], %[a], asr #31\n\t"
            "smlal %[l], %[h], %[a], %[m]\n\t"
            "asr %[h], %[h], %[rs]"
            : [h] "=&r"(h), [l] "=&r"(l)
            : [hi] "r"(hi), [a] "r"(acc), [m] "r"(m), [rs] "r"(rs));
    return h;
#else
    return th_rq_fast(acc, m, hi, rs);
#endif
}

/* The output stage of channel c (which passes th_gemm_rq_fast_ok) for one or two rows: the
 * constants are derived once for both (o21 = 2 * out_offset + 1, see th_rq_hi_o21). */
static inline __attribute__((always_inline)) void requant_fast2(int32_t a0, int32_t a1, int two, const th_gemm_out_t *q,
                                                                int32_t c, int32_t o21, int8_t *d0, int8_t *d1) {
    const int32_t m = q->mult[c], sh = q->shift[c];
    const int32_t hi = th_rq_hi_o21(o21, sh), rs = -sh - 1;
    d0[c] = (int8_t)th_clamp(rq_fast_core(a0, m, hi, rs), q->act_min, q->act_max);
    if (two) {
        d1[c] = (int8_t)th_clamp(rq_fast_core(a1, m, hi, rs), q->act_min, q->act_max);
    }
}

void th_dsp_expand_rows(const int8_t *a0, const int8_t *a1, int32_t depth, int32_t *dst) {
    const int32_t groups = depth >> 2, rem = depth & 3;
    for (int32_t g = 0; g < groups; g++) {
        const int32_t x0 = th_load4(a0);
        a0 += 4;
        dst[0] = th_sxtb16_even(x0);
        dst[1] = th_sxtb16_odd(x0);
        if (a1 != 0) {
            const int32_t x1 = th_load4(a1);
            a1 += 4;
            dst[2] = th_sxtb16_even(x1);
            dst[3] = th_sxtb16_odd(x1);
            dst += 4;
        } else {
            dst += 2;
        }
    }
    int16_t *t = (int16_t *)(void *)dst;
    for (int32_t k = 0; k < rem; k++) {
        t[k] = a0[k];
        if (a1 != 0) {
            t[rem + k] = a1[k];
        }
    }
}

void th_dsp_gemm_x16(const int32_t *xexp, int two_rows, int8_t *out0, int8_t *out1, const int8_t *w, int32_t n_out,
                     int32_t depth, const th_gemm_out_t *q) {
    const int32_t groups = depth >> 2, rem = depth & 3;
    const int16_t *tail = (const int16_t *)(const void *)(xexp + groups * (two_rows ? 4 : 2));
    const th_gemm_out_t qv = *q;
    const int32_t o21 = 2 * qv.out_offset + 1;
    for (int32_t c = 0; c < n_out; c += 2) {
        const int has_c1 = c + 1 < n_out;
        const int8_t *w0 = w + c * depth;
        const int8_t *w1 = has_c1 ? w0 + depth : w0;
        int32_t s00 = qv.ksum[c], s01 = has_c1 ? qv.ksum[c + 1] : 0, s10 = s00, s11 = s01;
        const int32_t *xp = xexp;
        if (two_rows) {
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
            /* the same loop in assembly (GCC spills one pointer of this 14-register loop), two
             * groups per iteration after an odd one */
            if (groups > 0) {
                int32_t g = groups, x0e, x0o, x1e, x1o, ve, vo;
#define TH_GEMM_BODY                                        \
    "ldr %[x0e], [%[xp]], #16\n\t"                           \
    "ldr %[x0o], [%[xp], #-12]\n\t"                          \
    "ldr %[x1e], [%[xp], #-8]\n\t"                           \
    "ldr %[x1o], [%[xp], #-4]\n\t"                           \
    "ldr %[vo], [%[w0]], #4\n\t"                             \
    "sxtb16 %[ve], %[vo]\n\t"                                \
    "sxtb16 %[vo], %[vo], ror #8\n\t"                        \
    "smlad %[s00], %[x0e], %[ve], %[s00]\n\t"                \
    "smlad %[s10], %[x1e], %[ve], %[s10]\n\t"                \
    "ldr %[ve], [%[w1]], #4\n\t"                             \
    "smlad %[s00], %[x0o], %[vo], %[s00]\n\t"                \
    "smlad %[s10], %[x1o], %[vo], %[s10]\n\t"                \
    "sxtb16 %[vo], %[ve], ror #8\n\t"                        \
    "sxtb16 %[ve], %[ve]\n\t"                                \
    "smlad %[s01], %[x0e], %[ve], %[s01]\n\t"                \
    "smlad %[s11], %[x1e], %[ve], %[s11]\n\t"                \
    "smlad %[s01], %[x0o], %[vo], %[s01]\n\t"                \
    "smlad %[s11], %[x1o], %[vo], %[s11]\n\t"
                __asm__ volatile(
                    "tst %[g], #1\n\t"
                    "beq 2f\n\t"
                    TH_GEMM_BODY
                    "2:\n\t"
                    "lsrs %[g], %[g], #1\n\t"
                    "beq 3f\n\t"
                    "1:\n\t"
                    TH_GEMM_BODY
                    TH_GEMM_BODY
                    "subs %[g], %[g], #1\n\t"
                    "bne 1b\n\t"
                    "3:\n\t"
                    : [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11), [xp] "+r"(xp),
                      [w0] "+r"(w0), [w1] "+r"(w1), [g] "+r"(g), [x0e] "=&r"(x0e), [x0o] "=&r"(x0o),
                      [x1e] "=&r"(x1e), [x1o] "=&r"(x1o), [ve] "=&r"(ve), [vo] "=&r"(vo)
                    :
                    : "cc", "memory");
#undef TH_GEMM_BODY
            }
#else
            for (int32_t g = groups; g > 0; g--) {
                const int32_t x0e = xp[0], x0o = xp[1], x1e = xp[2], x1o = xp[3];
                xp += 4;
                int32_t v = th_load4(w0);
                w0 += 4;
                int32_t ve = th_sxtb16_even(v), vo = th_sxtb16_odd(v);
                s00 = __smlad(x0e, ve, s00);
                s00 = __smlad(x0o, vo, s00);
                s10 = __smlad(x1e, ve, s10);
                s10 = __smlad(x1o, vo, s10);
                v = th_load4(w1);
                w1 += 4;
                ve = th_sxtb16_even(v);
                vo = th_sxtb16_odd(v);
                s01 = __smlad(x0e, ve, s01);
                s01 = __smlad(x0o, vo, s01);
                s11 = __smlad(x1e, ve, s11);
                s11 = __smlad(x1o, vo, s11);
            }
#endif
            for (int32_t k = 0; k < rem; k++) {
                s00 += tail[k] * w0[k];
                s01 += tail[k] * w1[k];
                s10 += tail[rem + k] * w0[k];
                s11 += tail[rem + k] * w1[k];
            }
            if (qv.rq_fast) {
                requant_fast2(s00, s10, 1, &qv, c, o21, out0, out1);
                if (has_c1) {
                    requant_fast2(s01, s11, 1, &qv, c + 1, o21, out0, out1);
                }
                continue;
            } else {
                out1[c] = requant(s10, qv, c);
                if (has_c1) {
                    out1[c + 1] = requant(s11, qv, c + 1);
                }
            }
        } else {
            for (int32_t g = groups; g > 0; g--) {
                const int32_t x0e = xp[0], x0o = xp[1];
                xp += 2;
                const int32_t v = th_load4(w0), u = th_load4(w1);
                w0 += 4;
                w1 += 4;
                s00 = __smlad(x0e, th_sxtb16_even(v), s00);
                s00 = __smlad(x0o, th_sxtb16_odd(v), s00);
                s01 = __smlad(x0e, th_sxtb16_even(u), s01);
                s01 = __smlad(x0o, th_sxtb16_odd(u), s01);
            }
            for (int32_t k = 0; k < rem; k++) {
                s00 += tail[k] * w0[k];
                s01 += tail[k] * w1[k];
            }
        }
        if (qv.rq_fast) {
            requant_fast2(s00, 0, 0, &qv, c, o21, out0, out1);
            if (has_c1) {
                requant_fast2(s01, 0, 0, &qv, c + 1, o21, out0, out1);
            }
        } else {
            out0[c] = requant(s00, qv, c);
            if (has_c1) {
                out0[c + 1] = requant(s01, qv, c + 1);
            }
        }
    }
}

/* One int8 row against four weight rows: the row is widened once for the four. */
static void dot_1x4(const int8_t *a, const int8_t *w, int32_t depth, int32_t s[4]) {
    const int8_t *w0 = w, *w1 = w + depth, *w2 = w + 2 * depth, *w3 = w + 3 * depth;
    int32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    for (int32_t g = depth >> 2; g > 0; g--) {
        const int32_t x = th_load4(a);
        a += 4;
        const int32_t xe = th_sxtb16_even(x), xo = th_sxtb16_odd(x);
        int32_t v = th_load4(w0);
        w0 += 4;
        s0 = __smlad(xe, th_sxtb16_even(v), s0);
        s0 = __smlad(xo, th_sxtb16_odd(v), s0);
        v = th_load4(w1);
        w1 += 4;
        s1 = __smlad(xe, th_sxtb16_even(v), s1);
        s1 = __smlad(xo, th_sxtb16_odd(v), s1);
        v = th_load4(w2);
        w2 += 4;
        s2 = __smlad(xe, th_sxtb16_even(v), s2);
        s2 = __smlad(xo, th_sxtb16_odd(v), s2);
        v = th_load4(w3);
        w3 += 4;
        s3 = __smlad(xe, th_sxtb16_even(v), s3);
        s3 = __smlad(xo, th_sxtb16_odd(v), s3);
    }
    for (int32_t k = depth & 3; k > 0; k--) {
        const int32_t x = *a++;
        s0 += x * *w0++;
        s1 += x * *w1++;
        s2 += x * *w2++;
        s3 += x * *w3++;
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}

static int32_t dot_1x1(const int8_t *a, const int8_t *w, int32_t depth, int32_t s) {
    for (int32_t g = depth >> 2; g > 0; g--) {
        const int32_t x = th_load4(a), v = th_load4(w);
        a += 4;
        w += 4;
        s = __smlad(th_sxtb16_even(x), th_sxtb16_even(v), s);
        s = __smlad(th_sxtb16_odd(x), th_sxtb16_odd(v), s);
    }
    for (int32_t k = depth & 3; k > 0; k--) {
        s += (int32_t)*a++ * *w++;
    }
    return s;
}

void th_dsp_gemm_row(const int8_t *a, int8_t *out, const int8_t *w, int32_t n_out, int32_t depth,
                     const th_gemm_out_t *q) {
    const th_gemm_out_t qv = *q;
    int32_t c = 0;
    for (; c + 3 < n_out; c += 4) {
        int32_t s[4] = {qv.ksum[c], qv.ksum[c + 1], qv.ksum[c + 2], qv.ksum[c + 3]};
        dot_1x4(a, w + c * depth, depth, s);
        for (int i = 0; i < 4; i++) {
            out[c + i] = requant(s[i], qv, c + i);
        }
    }
    for (; c < n_out; c++) {
        out[c] = requant(dot_1x1(a, w + c * depth, depth, qv.ksum[c]), qv, c);
    }
}

#else
typedef int th_dsp_gemm_unused_t; /* keeps the translation unit non-empty on builds without DSP */
#endif
