/* DEPTHWISE_CONV_2D (depth multiplier 1) with the DSP extension.
 *
 * Input rows are copied into a padded "band" in scratch, regrouped channel-group-major
 * ([ch/4][rows][band_w][4 bytes]) with the padding filled with the input zero point (so padded taps
 * contribute exactly 0, as TFLite's skipped taps do). Channel groups are the outer loop: when the
 * scratch (planned for k_h rows of every group) holds all padded rows of one group, that group's
 * rows are copied once for the op; otherwise the k_h rows of each output row are copied again.
 * Every output pixel then has a full window: per group of 4 channels and tap, one word of input
 * and one of weights (regrouped on the host as [ch/4][k_h][k_w][4]), the offset added to the
 * widened byte pairs with SXTAB16 and one 16x16 MAC per channel (SMLABB/SMLATT). 3x3
 * undilated kernels are fully unrolled (asm on the core; on the fast path below with the weights
 * widened once per group). The output stage (th_rq_fast, per-channel constants set up once per
 * group, asm on the core) is one SMLAL and one shift per channel, then SSAT, and the activation
 * clamp on the four packed bytes at once (SSUB8/SEL); groups with a channel whose shift it does
 * not cover take the reference requantisation. Channels beyond a multiple of 4 take the plain path. */
#if TH_USE_DSP

#include <string.h>

#include "th_acle.h"
#include "th_dsp.h"
#include "th_fixedpoint.h"

/* Output-stage constants, held in locals: int8 stores may alias the params, which would make the
 * compiler reload them after every store. */
typedef struct {
    const int32_t *mult;
    const int32_t *shift;
    int32_t out_offset, act_min, act_max;
} dw_out_t;

static inline int8_t requant(int32_t acc, dw_out_t q, int32_t c) {
    const int32_t v = th_mbqm_nonneg(acc, q.mult[c], q.shift[c]) + q.out_offset;
    return (int8_t)th_clamp(v, q.act_min, q.act_max);
}

#define TH_DW_TAP(xw, vw)                                                                 \
    do {                                                                                  \
        const int32_t x_ = (xw), v_ = (vw);                                               \
        const int32_t xe_ = __sxtab16(off2, x_), xo_ = th_sxtab16_odd(off2, x_);          \
        const int32_t ve_ = th_sxtb16_even(v_), vo_ = th_sxtb16_odd(v_);                  \
        a0 = __smlabb(xe_, ve_, a0);                                                      \
        a2 = __smlatt(xe_, ve_, a2);                                                      \
        a1 = __smlabb(xo_, vo_, a1);                                                      \
        a3 = __smlatt(xo_, vo_, a3);                                                      \
    } while (0)

/* Band width (in pixels) the plan reserves: every column any output pixel of a row reads. */
static int32_t band_width(const int32_t *p) {
    return (p[CV_OUT_W] - 1) * p[CV_STRIDE_W] + (p[CV_K_W] - 1) * p[CV_DIL_W] + 1;
}

/* Fills the band for channel groups [g0, g1) (each group's slice sits at band + g * k_h * bw). */
static void fill_band(const int8_t *in, const int32_t *p, int32_t b, int32_t y0, int32_t g0, int32_t g1, int32_t bw,
                      int32_t *band) {
    const int32_t groups = g1 - g0;
    band += g0 * p[CV_K_H] * bw;
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], ch = p[CV_IN_C];
    const uint32_t zp = (uint8_t)(int8_t)(-p[CV_IN_OFFSET]);
    const int32_t pad_word = (int32_t)(zp * 0x01010101u);
    const int32_t x_first = -p[CV_PAD_W];
    for (int32_t ky = 0; ky < p[CV_K_H]; ky++) {
        const int32_t iy = y0 + ky * p[CV_DIL_H];
        int32_t *dst = band + ky * bw;
        if (iy < 0 || iy >= in_h) {
            for (int32_t g = 0; g < groups; g++) {
                int32_t *d = dst + g * p[CV_K_H] * bw;
                for (int32_t col = 0; col < bw; col++) {
                    d[col] = pad_word;
                }
            }
            continue;
        }
        const int8_t *row = in + (b * in_h + iy) * in_w * ch;
        for (int32_t col = 0; col < bw; col++) {
            const int32_t ix = x_first + col;
            int32_t *d = dst + col;
            if (ix < 0 || ix >= in_w) {
                for (int32_t g = 0; g < groups; g++, d += p[CV_K_H] * bw) {
                    *d = pad_word;
                }
            } else {
                const int8_t *src = row + ix * ch + 4 * g0;
                for (int32_t g = 0; g < groups; g++, d += p[CV_K_H] * bw) {
                    *d = th_load4(src + 4 * g);
                }
            }
        }
    }
}

/* Fills `rows` padded rows (padded row r is input row r - pad_h) of one channel group, bw words
 * each, at band: every input word of the group is copied once for the whole op. */
static void fill_column(const int8_t *in, const int32_t *p, int32_t b, int32_t g, int32_t rows, int32_t bw,
                        int32_t *band) {
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], ch = p[CV_IN_C], pad_w = p[CV_PAD_W];
    const uint32_t zp = (uint8_t)(int8_t)(-p[CV_IN_OFFSET]);
    const int32_t pad_word = (int32_t)(zp * 0x01010101u);
    /* Columns [c0, c1) of the band hold input pixels, the others padding. */
    const int32_t c0 = pad_w < 0 ? 0 : (pad_w > bw ? bw : pad_w);
    int32_t c1 = in_w + pad_w;
    c1 = c1 < c0 ? c0 : (c1 > bw ? bw : c1);
    for (int32_t r = 0; r < rows; r++, band += bw) {
        const int32_t iy = r - p[CV_PAD_H];
        if (iy < 0 || iy >= in_h) {
            for (int32_t col = 0; col < bw; col++) {
                band[col] = pad_word;
            }
            continue;
        }
        int32_t col = 0;
        for (; col < c0; col++) {
            band[col] = pad_word;
        }
        if (c1 > c0) {
            const int8_t *src = in + ((b * in_h + iy) * in_w + (c0 - pad_w)) * ch + 4 * g;
            for (; col < c1; col++, src += ch) {
                band[col] = th_load4(src);
            }
        }
        for (; col < bw; col++) {
            band[col] = pad_word;
        }
    }
}

static void tail_channel(const int8_t *in, const int8_t *w, const int32_t *p, int32_t b, int32_t y0, int32_t x0,
                         int32_t c, int32_t acc, int8_t *o, dw_out_t q) {
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], ch = p[CV_IN_C];
    for (int32_t ky = 0; ky < p[CV_K_H]; ky++) {
        const int32_t iy = y0 + ky * p[CV_DIL_H];
        if (iy < 0 || iy >= in_h) {
            continue;
        }
        for (int32_t kx = 0; kx < p[CV_K_W]; kx++) {
            const int32_t ix = x0 + kx * p[CV_DIL_W];
            if (ix < 0 || ix >= in_w) {
                continue;
            }
            acc += (int32_t)w[(ky * p[CV_K_W] + kx) * ch + c] *
                   ((int32_t)in[((b * in_h + iy) * in_w + ix) * ch + c] + p[CV_IN_OFFSET]);
        }
    }
    o[c] = requant(acc, q, c);
}

/* One group of 4 channels of one output pixel, 3x3 undilated window, fully unrolled. On the core
 * it is written as inline assembly: GCC's scheduling of the C version hoists loads and spills
 * the accumulators (about twice the cycles). Same operations as TH_DW_TAP, tap by tap. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TH_DW_ASM_TAP(xoff, woff)                                          \
    "ldr %[xv], [%[x], #" #xoff "]\n\t"                                    \
    "ldr %[wv], [%[w], #" #woff "]\n\t"                                    \
    "sxtab16 %[xe], %[off], %[xv]\n\t"                                     \
    "sxtab16 %[xv], %[off], %[xv], ror #8\n\t"                             \
    "sxtb16 %[ve], %[wv]\n\t"                                              \
    "sxtb16 %[wv], %[wv], ror #8\n\t"                                      \
    "smlabb %[a0], %[xe], %[ve], %[a0]\n\t"                                \
    "smlatt %[a2], %[xe], %[ve], %[a2]\n\t"                                \
    "smlabb %[a1], %[xv], %[wv], %[a1]\n\t"                                \
    "smlatt %[a3], %[xv], %[wv], %[a3]\n\t"

/* The same with the weights already widened: ww[2t] = SXTB16(w_t), ww[2t + 1] = SXTB16(w_t ror 8),
 * set up once per channel group; one load replaces each sign extension. */
#define TH_DW_ASM_TAPW(xoff, woff, woff4)                                  \
    "ldr %[xv], [%[x], #" #xoff "]\n\t"                                    \
    "ldr %[ve], [%[w], #" #woff "]\n\t"                                    \
    "ldr %[wv], [%[w], #" #woff4 "]\n\t"                                   \
    "sxtab16 %[xe], %[off], %[xv]\n\t"                                     \
    "sxtab16 %[xv], %[off], %[xv], ror #8\n\t"                             \
    "smlabb %[a0], %[xe], %[ve], %[a0]\n\t"                                \
    "smlatt %[a2], %[xe], %[ve], %[a2]\n\t"                                \
    "smlabb %[a1], %[xv], %[wv], %[a1]\n\t"                                \
    "smlatt %[a3], %[xv], %[wv], %[a3]\n\t"

static inline __attribute__((always_inline)) void group_3x3w(const int32_t *x, int32_t bw, const int32_t *ww,
                                                             int32_t off2, int32_t acc[4]) {
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t xv, wv, xe, ve;
    const int32_t bw4 = bw * 4;
    __asm__(TH_DW_ASM_TAPW(0, 0, 4) TH_DW_ASM_TAPW(4, 8, 12) TH_DW_ASM_TAPW(8, 16, 20)
            "add %[x], %[x], %[bw4]\n\t"
            TH_DW_ASM_TAPW(0, 24, 28) TH_DW_ASM_TAPW(4, 32, 36) TH_DW_ASM_TAPW(8, 40, 44)
            "add %[x], %[x], %[bw4]\n\t"
            TH_DW_ASM_TAPW(0, 48, 52) TH_DW_ASM_TAPW(4, 56, 60) TH_DW_ASM_TAPW(8, 64, 68)
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [xv] "=&r"(xv),
              [wv] "=&r"(wv), [xe] "=&r"(xe), [ve] "=&r"(ve)
            : [w] "r"(ww), [off] "r"(off2), [bw4] "r"(bw4)
            : "memory");
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

static inline __attribute__((always_inline)) void group_3x3(const int32_t *x, int32_t bw, const int32_t *wp, int32_t off2, int32_t acc[4]) {
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t xv, wv, xe, ve;
    const int32_t bw4 = bw * 4;
    __asm__(TH_DW_ASM_TAP(0, 0) TH_DW_ASM_TAP(4, 4) TH_DW_ASM_TAP(8, 8)
            "add %[x], %[x], %[bw4]\n\t"
            TH_DW_ASM_TAP(0, 12) TH_DW_ASM_TAP(4, 16) TH_DW_ASM_TAP(8, 20)
            "add %[x], %[x], %[bw4]\n\t"
            TH_DW_ASM_TAP(0, 24) TH_DW_ASM_TAP(4, 28) TH_DW_ASM_TAP(8, 32)
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [xv] "=&r"(xv),
              [wv] "=&r"(wv), [xe] "=&r"(xe), [ve] "=&r"(ve)
            : [w] "r"(wp), [off] "r"(off2), [bw4] "r"(bw4)
            : "memory");
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#else
static inline __attribute__((always_inline)) void group_3x3w(const int32_t *x, int32_t bw, const int32_t *ww,
                                                             int32_t off2, int32_t acc[4]) {
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    for (int32_t ky = 0; ky < 3; ky++, x += bw, ww += 6) {
        for (int32_t kx = 0; kx < 3; kx++) {
            const int32_t xe = __sxtab16(off2, x[kx]), xo = th_sxtab16_odd(off2, x[kx]);
            a0 = __smlabb(xe, ww[2 * kx], a0);
            a2 = __smlatt(xe, ww[2 * kx], a2);
            a1 = __smlabb(xo, ww[2 * kx + 1], a1);
            a3 = __smlatt(xo, ww[2 * kx + 1], a3);
        }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
static inline __attribute__((always_inline)) void group_3x3(const int32_t *x, int32_t bw, const int32_t *wp, int32_t off2, int32_t acc[4]) {
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    TH_DW_TAP(x[0], wp[0]);
    TH_DW_TAP(x[1], wp[1]);
    TH_DW_TAP(x[2], wp[2]);
    x += bw;
    TH_DW_TAP(x[0], wp[3]);
    TH_DW_TAP(x[1], wp[4]);
    TH_DW_TAP(x[2], wp[5]);
    x += bw;
    TH_DW_TAP(x[0], wp[6]);
    TH_DW_TAP(x[1], wp[7]);
    TH_DW_TAP(x[2], wp[8]);
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#endif

/* Accumulate one group of 4 channels of one output pixel (bias already in acc). unrolled: 0 any
 * window, 1 3x3 undilated, 2 3x3 undilated with wp holding the widened weights of group_3x3w. */
static inline __attribute__((always_inline)) void group_window(const int32_t *xrow, int32_t bw, const int32_t *wp, int32_t off2, int32_t k_h,
                                int32_t k_w, int32_t dil_w, int unrolled, int32_t acc[4]) {
    if (unrolled == 2) {
        group_3x3w(xrow, bw, wp, off2, acc);
        return;
    }
    if (unrolled) {
        group_3x3(xrow, bw, wp, off2, acc);
        return;
    }
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    for (int32_t ky = 0; ky < k_h; ky++) {
        for (int32_t kx = 0; kx < k_w; kx++) {
            TH_DW_TAP(xrow[kx * dil_w], wp[kx]);
        }
        wp += k_w;
        xrow += bw;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}


/* th_rq_fast for the 4 channels of a group, saturated to int8 and packed into one word (byte i =
 * channel i). rq holds {multiplier, th_rq_hi, right shift - 1} per channel. On the core it is one
 * asm block so the three constant loads of each channel issue back to back (pipelined). */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TH_RQ_ASM(a, mo, ho, so)                                                                  \
    "ldr %[m], [%[rq], #" #mo "]\n\t"                                                             \
    "ldr %[h], [%[rq], #" #ho "]\n\t"                                                             \
    "ldr %[s], [%[rq], #" #so "]\n\t"                                                             \
    "and %[l], %[" #a "], #0x80000000\n\t"                                                        \
    "orr %[l], %[l], #0x40000000\n\t"                                                             \
    "add %[h], %[h], %[" #a "], asr #31\n\t"                                                      \
    "smlal %[l], %[h], %[" #a "], %[m]\n\t"                                                       \
    "asr %[h], %[h], %[s]\n\t"                                                                    \
    "ssat %[" #a "], #8, %[h]\n\t"

static inline __attribute__((always_inline)) int32_t requant4(const int32_t acc[4], const int32_t rq[12]) {
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t m, h, sft, l;
    __asm__(TH_RQ_ASM(a0, 0, 4, 8) TH_RQ_ASM(a1, 12, 16, 20) TH_RQ_ASM(a2, 24, 28, 32) TH_RQ_ASM(a3, 36, 40, 44)
            "bfi %[a0], %[a1], #8, #8\n\t"
            "bfi %[a0], %[a2], #16, #8\n\t"
            "bfi %[a0], %[a3], #24, #8"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [m] "=&r"(m), [h] "=&r"(h),
              [s] "=&r"(sft), [l] "=&r"(l)
            : [rq] "r"(rq)
            : "memory");
    return a0;
}
#else
/* Four int8 values (already saturated to int8) as one little-endian word. */
static inline int32_t pack4(int32_t r0, int32_t r1, int32_t r2, int32_t r3) {
    return (int32_t)(((uint32_t)r0 & 0xFFu) | (((uint32_t)r1 & 0xFFu) << 8) | (((uint32_t)r2 & 0xFFu) << 16) |
                     ((uint32_t)r3 << 24));
}
static inline int32_t requant4(const int32_t acc[4], const int32_t rq[12]) {
    int32_t r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = __ssat(th_rq_fast(acc[i], rq[3 * i], rq[3 * i + 1], rq[3 * i + 2]), 8);
    }
    return pack4(r[0], r[1], r[2], r[3]);
}
#endif

/* One row of output pixels for one group of 4 channels, output stage th_rq_fast + byte clamp. */
static inline __attribute__((always_inline)) void fast_row(int8_t *o, int32_t ch, int32_t out_w, const int32_t *xg,
                                                           int32_t stride_w, int32_t bw, const int32_t *wp,
                                                           int32_t off2, int32_t k_h, int32_t k_w, int32_t dil_w,
                                                           int unrolled, const int32_t rq[12], const int32_t bs[4],
                                                           int32_t min4, int32_t max4) {
    for (int32_t ox = 0; ox < out_w; ox++, o += ch, xg += stride_w) {
        int32_t acc[4] = {bs[0], bs[1], bs[2], bs[3]};
        group_window(xg, bw, wp, off2, k_h, k_w, dil_w, unrolled, acc);
        const int32_t v = th_smin8x4(th_smax8x4(requant4(acc, rq), min4), max4);
        memcpy(o, &v, 4);
    }
}

void th_depthwise_conv2d_dsp(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[CV_IN]);
    const int8_t *w = (const int8_t *)th_tensor_data(e, p[CV_FILT]);
    const int32_t *wg = (const int32_t *)th_tensor_data(e, p[CV_WDSP]);
    const int32_t *bias = (const int32_t *)th_tensor_data(e, p[CV_KSUM]);
    const dw_out_t q = {(const int32_t *)th_tensor_data(e, p[CV_MULT]), (const int32_t *)th_tensor_data(e, p[CV_SHIFT]),
                        p[CV_OUT_OFFSET], p[CV_ACT_MIN], p[CV_ACT_MAX]};
    int8_t *out = (int8_t *)th_tensor_data(e, p[CV_OUT]);
    int32_t *band = (int32_t *)th_scratch(e, p[CV_SCRATCH_OFF]);
    const int32_t ch = p[CV_IN_C], groups = ch >> 2, k_h = p[CV_K_H], k_w = p[CV_K_W];
    const int32_t out_w = p[CV_OUT_W], stride_w = p[CV_STRIDE_W], dil_w = p[CV_DIL_W];
    const int32_t bw = band_width(p), taps = k_h * k_w;
    const int32_t in_offset = p[CV_IN_OFFSET];
    const int32_t off2 = (int32_t)(((uint32_t)in_offset << 16) | ((uint32_t)in_offset & 0xFFFFu));
    const int unrolled = k_h == 3 && k_w == 3 && dil_w == 1;
    /* The word-wise output stage clamps bytes: it needs an activation range inside int8. */
    const int byte_clamp = q.act_min >= -128 && q.act_min <= q.act_max && q.act_max <= 127;
    const int32_t min4 = (int32_t)((uint32_t)(uint8_t)(int8_t)q.act_min * 0x01010101u);
    const int32_t max4 = (int32_t)((uint32_t)(uint8_t)(int8_t)q.act_max * 0x01010101u);
    /* Column mode: when the scratch planned for k_h rows of all groups holds every padded row of one
     * group, each group's rows are filled once for the op (row stride dil_h * bw); otherwise the k_h
     * rows of every output row are filled again (row stride bw). */
    const int32_t col_rows = (p[CV_OUT_H] - 1) * p[CV_STRIDE_H] + (k_h - 1) * p[CV_DIL_H] + 1;
    const int column = groups > 0 && col_rows <= groups * k_h;
    const int32_t rs = column ? p[CV_DIL_H] * bw : bw;
    for (int32_t b = 0; b < p[CV_BATCH]; b++) {
        int8_t *out_b = out + b * p[CV_OUT_H] * out_w * ch;
        for (int32_t g = 0; g < groups; g++) {
            const int32_t c = 4 * g;
            const int32_t *wp = wg + g * taps;
            int fast = byte_clamp;
            for (int32_t i = 0; i < 4; i++) {
                fast = fast && q.mult[c + i] >= 0 && th_rq_fast_ok(q.shift[c + i], q.out_offset);
            }
            /* Per-channel constants of th_rq_fast, set up once per group. */
            int32_t rq[12] = {0}, bs[4];
            for (int32_t i = 0; i < 4; i++) {
                bs[i] = bias[c + i];
                if (fast) {
                    rq[3 * i] = q.mult[c + i];
                    rq[3 * i + 1] = th_rq_hi(q.shift[c + i], q.out_offset);
                    rq[3 * i + 2] = -q.shift[c + i] - 1;
                }
            }
            if (column) {
                fill_column(in, p, b, g, col_rows, bw, band);
            }
            /* Widened 3x3 weights of the group for the fast unrolled path (see group_3x3w). */
            int32_t ww[18];
            for (int32_t t = 0; t < 9 && fast && unrolled; t++) {
                ww[2 * t] = th_sxtb16_even(wp[t]);
                ww[2 * t + 1] = th_sxtb16_odd(wp[t]);
            }
            for (int32_t oy = 0; oy < p[CV_OUT_H]; oy++) {
                if (!column) {
                    fill_band(in, p, b, oy * p[CV_STRIDE_H] - p[CV_PAD_H], g, g + 1, bw, band);
                }
                const int32_t *xg = column ? band + oy * p[CV_STRIDE_H] * bw : band + g * k_h * bw;
                int8_t *orow = out_b + oy * out_w * ch;
                if (fast && unrolled) {
                    fast_row(orow + c, ch, out_w, xg, stride_w, rs, ww, off2, 3, 3, 1, 2, rq, bs, min4, max4);
                } else if (fast) {
                    fast_row(orow + c, ch, out_w, xg, stride_w, rs, wp, off2, k_h, k_w, dil_w, 0, rq, bs, min4, max4);
                } else {
                    for (int32_t ox = 0; ox < out_w; ox++) {
                        int32_t acc[4] = {bs[0], bs[1], bs[2], bs[3]};
                        group_window(xg + ox * stride_w, rs, wp, off2, k_h, k_w, dil_w, unrolled, acc);
                        int8_t r[4] = {requant(acc[0], q, c), requant(acc[1], q, c + 1), requant(acc[2], q, c + 2),
                                       requant(acc[3], q, c + 3)};
                        memcpy(orow + ox * ch + c, r, 4);
                    }
                }
            }
        }
        for (int32_t oy = 0; oy < p[CV_OUT_H] && 4 * groups < ch; oy++) {
            const int32_t y0 = oy * p[CV_STRIDE_H] - p[CV_PAD_H];
            int8_t *orow = out_b + oy * out_w * ch;
            for (int32_t ox = 0; ox < out_w; ox++) {
                for (int32_t c = 4 * groups; c < ch; c++) {
                    tail_channel(in, w, p, b, y0, ox * stride_w - p[CV_PAD_W], c, bias[c], orow + ox * ch, q);
                }
            }
        }
    }
}

#else
typedef int th_dsp_depthwise_conv2d_unused_t;
#endif
