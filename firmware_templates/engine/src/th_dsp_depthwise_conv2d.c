/* DEPTHWISE_CONV_2D (depth multiplier 1) with the DSP extension. Per output pixel the valid tap
 * window is computed once; then four channels at a time: the input offset is added to the
 * widened byte pairs with SXTAB16 and each channel gets one 16x16 MAC per tap (SMLABB/SMLATT).
 * Padding taps are skipped, so the bias is not folded. */
#if TH_USE_DSP

#include "th_acle.h"
#include "th_dsp.h"
#include "th_fixedpoint.h"

static inline int8_t requant(int32_t acc, const int32_t *p, const int32_t *mult, const int32_t *shift, int32_t c) {
    const int32_t v = th_mbqm(acc, mult[c], shift[c]) + p[CV_OUT_OFFSET];
    return (int8_t)th_clamp(v, p[CV_ACT_MIN], p[CV_ACT_MAX]);
}

static inline int32_t first_tap(int32_t origin, int32_t dil) {
    /* smallest k with origin + k * dil >= 0 */
    return origin >= 0 ? 0 : (-origin + dil - 1) / dil;
}

static inline int32_t end_tap(int32_t origin, int32_t dil, int32_t k, int32_t size) {
    /* one past the largest k < taps with origin + k * dil < size */
    if (origin >= size) {
        return 0;
    }
    const int32_t n = (size - 1 - origin) / dil + 1;
    return n < k ? n : k;
}

void th_depthwise_conv2d_dsp(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[CV_IN]);
    const int8_t *w = (const int8_t *)th_tensor_data(e, p[CV_FILT]);
    const int32_t *bias = (const int32_t *)th_tensor_data(e, p[CV_KSUM]);
    const int32_t *mult = (const int32_t *)th_tensor_data(e, p[CV_MULT]);
    const int32_t *shift = (const int32_t *)th_tensor_data(e, p[CV_SHIFT]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[CV_OUT]);
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], ch = p[CV_IN_C];
    const int32_t k_h = p[CV_K_H], k_w = p[CV_K_W], dil_h = p[CV_DIL_H], dil_w = p[CV_DIL_W];
    const int32_t in_offset = p[CV_IN_OFFSET];
    const int32_t off2 = (int32_t)(((uint32_t)in_offset << 16) | ((uint32_t)in_offset & 0xFFFFu));
    const int32_t x_step = dil_w * ch, y_step = dil_h * in_w * ch;
    for (int32_t b = 0; b < p[CV_BATCH]; b++) {
        for (int32_t oy = 0; oy < p[CV_OUT_H]; oy++) {
            const int32_t y0 = oy * p[CV_STRIDE_H] - p[CV_PAD_H];
            const int32_t ky0 = first_tap(y0, dil_h), ky1 = end_tap(y0, dil_h, k_h, in_h);
            for (int32_t ox = 0; ox < p[CV_OUT_W]; ox++) {
                const int32_t x0 = ox * p[CV_STRIDE_W] - p[CV_PAD_W];
                const int32_t kx0 = first_tap(x0, dil_w), kx1 = end_tap(x0, dil_w, k_w, in_w);
                const int valid = ky1 > ky0 && kx1 > kx0;
                const int32_t nky = valid ? ky1 - ky0 : 0, nkx = valid ? kx1 - kx0 : 0;
                int8_t *o = out + ((b * p[CV_OUT_H] + oy) * p[CV_OUT_W] + ox) * ch;
                /* first valid tap of channel 0 (only formed when the window is not empty) */
                const int8_t *in0 = valid ? in + ((b * in_h + y0 + ky0 * dil_h) * in_w + x0 + kx0 * dil_w) * ch : in;
                const int8_t *w0 = valid ? w + (ky0 * k_w + kx0) * ch : w;
                int32_t c = 0;
                for (; c + 3 < ch; c += 4) {
                    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
                    const int8_t *ip_row = in0 + c, *wp_row = w0 + c;
                    for (int32_t ky = nky; ky > 0; ky--) {
                        const int8_t *ip = ip_row, *wp = wp_row;
                        for (int32_t kx = nkx; kx > 0; kx--) {
                            const int32_t x = th_load4(ip), v = th_load4(wp);
                            ip += x_step;
                            wp += ch;
                            const int32_t xe = __sxtab16(off2, x), xo = th_sxtab16_odd(off2, x);
                            const int32_t ve = th_sxtb16_even(v), vo = th_sxtb16_odd(v);
                            a0 = __smlabb(xe, ve, a0);
                            a2 = __smlatt(xe, ve, a2);
                            a1 = __smlabb(xo, vo, a1);
                            a3 = __smlatt(xo, vo, a3);
                        }
                        ip_row += y_step;
                        wp_row += k_w * ch;
                    }
                    o[c] = requant(a0, p, mult, shift, c);
                    o[c + 1] = requant(a1, p, mult, shift, c + 1);
                    o[c + 2] = requant(a2, p, mult, shift, c + 2);
                    o[c + 3] = requant(a3, p, mult, shift, c + 3);
                }
                for (; c < ch; c++) {
                    int32_t acc = bias[c];
                    const int8_t *ip_row = in0 + c, *wp_row = w0 + c;
                    for (int32_t ky = nky; ky > 0; ky--) {
                        const int8_t *ip = ip_row, *wp = wp_row;
                        for (int32_t kx = nkx; kx > 0; kx--) {
                            acc += (int32_t)*wp * ((int32_t)*ip + in_offset);
                            ip += x_step;
                            wp += ch;
                        }
                        ip_row += y_step;
                        wp_row += k_w * ch;
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
