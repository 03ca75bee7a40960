/* DEPTHWISE_CONV_2D (depth multiplier 1) with the DSP extension: four channels per step, the
 * input offset added to sign-extended byte pairs with SXTAB16 and one 16x16 MAC per channel
 * (SMLABB/SMLATT). Padding taps are skipped, so the bias is not folded. */
#if TH_USE_DSP

#include "th_acle.h"
#include "th_dsp.h"
#include "th_fixedpoint.h"

static inline int8_t requant(int32_t acc, const int32_t *p, const int32_t *mult, const int32_t *shift, int32_t c) {
    const int32_t v = th_mbqm(acc, mult[c], shift[c]) + p[CV_OUT_OFFSET];
    return (int8_t)th_clamp(v, p[CV_ACT_MIN], p[CV_ACT_MAX]);
}

void th_depthwise_conv2d_dsp(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[CV_IN]);
    const int8_t *w = (const int8_t *)th_tensor_data(e, p[CV_FILT]);
    const int32_t *bias = (const int32_t *)th_tensor_data(e, p[CV_KSUM]);
    const int32_t *mult = (const int32_t *)th_tensor_data(e, p[CV_MULT]);
    const int32_t *shift = (const int32_t *)th_tensor_data(e, p[CV_SHIFT]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[CV_OUT]);
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], ch = p[CV_IN_C];
    const int32_t k_h = p[CV_K_H], k_w = p[CV_K_W], in_offset = p[CV_IN_OFFSET];
    const int32_t off2 = (int32_t)(((uint32_t)in_offset << 16) | ((uint32_t)in_offset & 0xFFFFu));
    for (int32_t b = 0; b < p[CV_BATCH]; b++) {
        for (int32_t oy = 0; oy < p[CV_OUT_H]; oy++) {
            const int32_t y0 = oy * p[CV_STRIDE_H] - p[CV_PAD_H];
            for (int32_t ox = 0; ox < p[CV_OUT_W]; ox++) {
                const int32_t x0 = ox * p[CV_STRIDE_W] - p[CV_PAD_W];
                int8_t *o = out + ((b * p[CV_OUT_H] + oy) * p[CV_OUT_W] + ox) * ch;
                int32_t c = 0;
                for (; c + 3 < ch; c += 4) {
                    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
                    for (int32_t ky = 0; ky < k_h; ky++) {
                        const int32_t iy = y0 + ky * p[CV_DIL_H];
                        if (iy < 0 || iy >= in_h) {
                            continue;
                        }
                        const int8_t *row = in + ((b * in_h + iy) * in_w) * ch + c;
                        const int8_t *wrow = w + (ky * k_w) * ch + c;
                        for (int32_t kx = 0; kx < k_w; kx++) {
                            const int32_t ix = x0 + kx * p[CV_DIL_W];
                            if (ix < 0 || ix >= in_w) {
                                continue;
                            }
                            const int32_t x = th_load4(row + ix * ch), v = th_load4(wrow + kx * ch);
                            const int32_t xe = __sxtab16(off2, x), xo = __sxtab16(off2, th_ror8(x));
                            const int32_t ve = __sxtb16(v), vo = __sxtb16(th_ror8(v));
                            a0 = __smlabb(xe, ve, a0);
                            a2 = __smlatt(xe, ve, a2);
                            a1 = __smlabb(xo, vo, a1);
                            a3 = __smlatt(xo, vo, a3);
                        }
                    }
                    o[c] = requant(a0, p, mult, shift, c);
                    o[c + 1] = requant(a1, p, mult, shift, c + 1);
                    o[c + 2] = requant(a2, p, mult, shift, c + 2);
                    o[c + 3] = requant(a3, p, mult, shift, c + 3);
                }
                for (; c < ch; c++) {
                    int32_t acc = bias[c];
                    for (int32_t ky = 0; ky < k_h; ky++) {
                        const int32_t iy = y0 + ky * p[CV_DIL_H];
                        if (iy < 0 || iy >= in_h) {
                            continue;
                        }
                        for (int32_t kx = 0; kx < k_w; kx++) {
                            const int32_t ix = x0 + kx * p[CV_DIL_W];
                            if (ix < 0 || ix >= in_w) {
                                continue;
                            }
                            acc += (int32_t)w[(ky * k_w + kx) * ch + c] *
                                   ((int32_t)in[((b * in_h + iy) * in_w + ix) * ch + c] + in_offset);
                        }
                    }
                    o[c] = requant(acc, p, mult, shift, c);
                }
            }
        }
    }
}

#else
typedef int th_dsp_depthwise_conv2d_unused_t;
#endif
