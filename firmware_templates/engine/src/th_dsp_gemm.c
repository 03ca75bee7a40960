/* DSP-extension GEMM core shared by FULLY_CONNECTED and CONV_2D (pointwise and im2col):
 * out[r][c] = requant(ksum[c] + sum_k a[r][k] * w[c][k]).
 * Inner loop: 2 rows x 2 output channels, 4 depth elements per step, 8 SMLADs on sign-extended
 * byte pairs (bytes 0/2 and 1/3 of each word). The input offset is folded into ksum on the host. */
#if TH_USE_DSP

#include "th_acle.h"
#include "th_dsp.h"
#include "th_fixedpoint.h"

static inline int8_t requant(int32_t acc, const th_gemm_out_t *q, int32_t c) {
    const int32_t v = th_mbqm(acc, q->mult[c], q->shift[c]) + q->out_offset;
    return (int8_t)th_clamp(v, q->act_min, q->act_max);
}

/* dot products of two rows with two weight rows */
static void dot_2x2(const int8_t *a0, const int8_t *a1, const int8_t *w0, const int8_t *w1, int32_t depth,
                    int32_t acc[4]) {
    int32_t s00 = acc[0], s01 = acc[1], s10 = acc[2], s11 = acc[3];
    int32_t k = depth >> 2;
    while (k--) {
        const int32_t x0 = th_load4(a0), x1 = th_load4(a1);
        const int32_t v0 = th_load4(w0), v1 = th_load4(w1);
        a0 += 4;
        a1 += 4;
        w0 += 4;
        w1 += 4;
        const int32_t x0e = __sxtb16(x0), x0o = __sxtb16(th_ror8(x0));
        const int32_t x1e = __sxtb16(x1), x1o = __sxtb16(th_ror8(x1));
        const int32_t v0e = __sxtb16(v0), v0o = __sxtb16(th_ror8(v0));
        const int32_t v1e = __sxtb16(v1), v1o = __sxtb16(th_ror8(v1));
        s00 = __smlad(x0e, v0e, s00);
        s00 = __smlad(x0o, v0o, s00);
        s01 = __smlad(x0e, v1e, s01);
        s01 = __smlad(x0o, v1o, s01);
        s10 = __smlad(x1e, v0e, s10);
        s10 = __smlad(x1o, v0o, s10);
        s11 = __smlad(x1e, v1e, s11);
        s11 = __smlad(x1o, v1o, s11);
    }
    for (k = depth & 3; k > 0; k--) {
        const int32_t x0 = *a0++, x1 = *a1++, v0 = *w0++, v1 = *w1++;
        s00 += x0 * v0;
        s01 += x0 * v1;
        s10 += x1 * v0;
        s11 += x1 * v1;
    }
    acc[0] = s00;
    acc[1] = s01;
    acc[2] = s10;
    acc[3] = s11;
}

/* dot product of one row with two weight rows */
static void dot_1x2(const int8_t *a0, const int8_t *w0, const int8_t *w1, int32_t depth, int32_t acc[2]) {
    int32_t s0 = acc[0], s1 = acc[1];
    int32_t k = depth >> 2;
    while (k--) {
        const int32_t x0 = th_load4(a0), v0 = th_load4(w0), v1 = th_load4(w1);
        a0 += 4;
        w0 += 4;
        w1 += 4;
        const int32_t x0e = __sxtb16(x0), x0o = __sxtb16(th_ror8(x0));
        s0 = __smlad(x0e, __sxtb16(v0), s0);
        s0 = __smlad(x0o, __sxtb16(th_ror8(v0)), s0);
        s1 = __smlad(x0e, __sxtb16(v1), s1);
        s1 = __smlad(x0o, __sxtb16(th_ror8(v1)), s1);
    }
    for (k = depth & 3; k > 0; k--) {
        const int32_t x0 = *a0++;
        s0 += x0 * *w0++;
        s1 += x0 * *w1++;
    }
    acc[0] = s0;
    acc[1] = s1;
}

static int32_t dot_1x1(const int8_t *a0, const int8_t *w0, int32_t depth, int32_t s) {
    int32_t k = depth >> 2;
    while (k--) {
        const int32_t x0 = th_load4(a0), v0 = th_load4(w0);
        a0 += 4;
        w0 += 4;
        s = __smlad(__sxtb16(x0), __sxtb16(v0), s);
        s = __smlad(__sxtb16(th_ror8(x0)), __sxtb16(th_ror8(v0)), s);
    }
    for (k = depth & 3; k > 0; k--) {
        s += (int32_t)*a0++ * *w0++;
    }
    return s;
}

void th_dsp_gemm_rows2(const int8_t *a0, const int8_t *a1, int8_t *out0, int8_t *out1, const int8_t *w,
                       int32_t n_out, int32_t depth, const th_gemm_out_t *q) {
    int32_t c = 0;
    if (a1 != 0) {
        for (; c + 1 < n_out; c += 2) {
            int32_t acc[4] = {q->ksum[c], q->ksum[c + 1], q->ksum[c], q->ksum[c + 1]};
            dot_2x2(a0, a1, w + c * depth, w + (c + 1) * depth, depth, acc);
            th_store2(out0 + c, requant(acc[0], q, c), requant(acc[1], q, c + 1));
            th_store2(out1 + c, requant(acc[2], q, c), requant(acc[3], q, c + 1));
        }
        if (c < n_out) {
            out0[c] = requant(dot_1x1(a0, w + c * depth, depth, q->ksum[c]), q, c);
            out1[c] = requant(dot_1x1(a1, w + c * depth, depth, q->ksum[c]), q, c);
        }
        return;
    }
    for (; c + 1 < n_out; c += 2) {
        int32_t acc[2] = {q->ksum[c], q->ksum[c + 1]};
        dot_1x2(a0, w + c * depth, w + (c + 1) * depth, depth, acc);
        th_store2(out0 + c, requant(acc[0], q, c), requant(acc[1], q, c + 1));
    }
    if (c < n_out) {
        out0[c] = requant(dot_1x1(a0, w + c * depth, depth, q->ksum[c]), q, c);
    }
}

#else
typedef int th_dsp_gemm_unused_t; /* keeps the translation unit non-empty on builds without DSP */
#endif
