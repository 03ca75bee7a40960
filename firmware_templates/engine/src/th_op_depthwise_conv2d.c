/* DEPTHWISE_CONV_2D with a depth multiplier, per-channel requantisation. */
#include "th_fixedpoint.h"
#include "th_ops.h"

int th_check_conv_like(const th_plan_view_t *v, const int32_t *p, uint32_t n, int depthwise);

int th_check_depthwise_conv2d(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    return th_check_conv_like(v, p, n, 1);
}

#if TH_USE_DSP
#include "th_dsp.h"
#endif

static void depthwise_reference(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[CV_IN]);
    const int8_t *w = (const int8_t *)th_tensor_data(e, p[CV_FILT]);
    const int32_t *bias = p[CV_BIAS] >= 0 ? (const int32_t *)th_tensor_data(e, p[CV_BIAS]) : 0;
    const int32_t *mult = (const int32_t *)th_tensor_data(e, p[CV_MULT]);
    const int32_t *shift = (const int32_t *)th_tensor_data(e, p[CV_SHIFT]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[CV_OUT]);
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], in_c = p[CV_IN_C];
    const int32_t out_h = p[CV_OUT_H], out_w = p[CV_OUT_W], out_c = p[CV_OUT_C];
    const int32_t k_h = p[CV_K_H], k_w = p[CV_K_W], dm = p[CV_DEPTH_MULT];
    const int32_t in_offset = p[CV_IN_OFFSET], out_offset = p[CV_OUT_OFFSET];
    for (int32_t b = 0; b < p[CV_BATCH]; b++) {
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * p[CV_STRIDE_H] - p[CV_PAD_H];
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t x0 = ox * p[CV_STRIDE_W] - p[CV_PAD_W];
                for (int32_t ic = 0; ic < in_c; ic++) {
                    for (int32_t m = 0; m < dm; m++) {
                        const int32_t oc = ic * dm + m;
                        int32_t acc = 0;
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
                                const int32_t x = in[((b * in_h + iy) * in_w + ix) * in_c + ic];
                                acc += (int32_t)w[(ky * k_w + kx) * out_c + oc] * (x + in_offset);
                            }
                        }
                        if (bias) {
                            acc += bias[oc];
                        }
                        acc = th_mbqm(acc, mult[oc], shift[oc]) + out_offset;
                        out[((b * out_h + oy) * out_w + ox) * out_c + oc] =
                            (int8_t)th_clamp(acc, p[CV_ACT_MIN], p[CV_ACT_MAX]);
                    }
                }
            }
        }
    }
}

void th_run_depthwise_conv2d(th_engine_t *e, const int32_t *p) {
#if TH_USE_DSP
    if (p[CV_KSUM] >= 0 && p[CV_WDSP] >= 0 && p[CV_DEPTH_MULT] == 1) {
        th_depthwise_conv2d_dsp(e, p);
        return;
    }
#endif
    depthwise_reference(e, p);
}
