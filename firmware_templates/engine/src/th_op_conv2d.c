/* CONV_2D, int8 activations and weights, int32 bias, per-channel requantisation. */
#include "th_fixedpoint.h"
#include "th_ops.h"

int th_check_conv_like(const th_plan_view_t *v, const int32_t *p, uint32_t n, int depthwise);

static int shifts_ok(const th_plan_view_t *v, int32_t t, int32_t count) {
    const int32_t *s = (const int32_t *)(const void *)(v->weights + v->tensors[t].offset);
    for (int32_t i = 0; i < count; i++) {
        if (s[i] < -31 || s[i] > 30) {
            return 0;
        }
    }
    return 1;
}

/* Requantisation multipliers must be >= 0 (the DSP kernels rely on it). */
int th_check_multipliers(const th_plan_view_t *v, int32_t t, int32_t count) {
    if (v->tensors[t].location != TH_LOC_WEIGHTS) {
        return 0;
    }
    const int32_t *m = (const int32_t *)(const void *)(v->weights + v->tensors[t].offset);
    for (int32_t i = 0; i < count; i++) {
        if (m[i] < 0) {
            return 0;
        }
    }
    return 1;
}

/* Scratch the DSP kernels need (see th_dsp_conv2d.c / th_dsp_depthwise_conv2d.c); checked for
 * every plan that carries the DSP tensors, whatever the build, so a plan is portable. */
static uint64_t dsp_scratch_needed(const int32_t *p, int depthwise) {
    if (depthwise) {
        if (p[CV_WDSP] < 0) {
            return 0;
        }
        const uint64_t band_w = (uint64_t)(p[CV_OUT_W] - 1) * (uint64_t)p[CV_STRIDE_W] +
                                (uint64_t)(p[CV_K_W] - 1) * (uint64_t)p[CV_DIL_W] + 1u;
        return 4u * (uint64_t)(p[CV_IN_C] >> 2) * (uint64_t)p[CV_K_H] * band_w;
    }
    if (p[CV_KSUM] < 0) {
        return 0;
    }
    const uint64_t depth = (uint64_t)p[CV_K_H] * (uint64_t)p[CV_K_W] * (uint64_t)p[CV_IN_C];
    const int pointwise = p[CV_K_H] == 1 && p[CV_K_W] == 1 && p[CV_STRIDE_H] == 1 && p[CV_STRIDE_W] == 1 &&
                          p[CV_PAD_H] == 0 && p[CV_PAD_W] == 0;
    const int staged = !pointwise && (p[CV_IN_C] & 3) != 0;
    return ((4u * depth + 4u + 3u) & ~(uint64_t)3) + (staged ? ((2u * depth + 3u) & ~(uint64_t)3) : 0u);
}

int th_check_conv_like(const th_plan_view_t *v, const int32_t *p, uint32_t n, int depthwise) {
    if (n != CV_NPARAMS) {
        return 0;
    }
    const uint32_t in_elems = th_dims_product(&p[CV_BATCH], 4);
    const int32_t out_dims[4] = {p[CV_BATCH], p[CV_OUT_H], p[CV_OUT_W], p[CV_OUT_C]};
    const uint32_t out_elems = th_dims_product(out_dims, 4);
    const int32_t k_dims[4] = {p[CV_OUT_C], p[CV_K_H], p[CV_K_W], depthwise ? 1 : p[CV_IN_C]};
    const uint32_t k_elems = th_dims_product(k_dims, 4);
    const uint32_t oc4 = 4u * (uint32_t)p[CV_OUT_C];
    if (in_elems == 0 || out_elems == 0 || k_elems == 0) {
        return 0;
    }
    if (depthwise ? (p[CV_DEPTH_MULT] < 1 || p[CV_OUT_C] != p[CV_IN_C] * p[CV_DEPTH_MULT])
                  : p[CV_DEPTH_MULT] != 1) {
        return 0;
    }
    if (p[CV_STRIDE_H] < 1 || p[CV_STRIDE_W] < 1 || p[CV_DIL_H] < 1 || p[CV_DIL_W] < 1 ||
        p[CV_PAD_H] < 0 || p[CV_PAD_W] < 0 || p[CV_PAD_H] > 0xFFFF || p[CV_PAD_W] > 0xFFFF ||
        p[CV_STRIDE_H] > 0xFFFF || p[CV_STRIDE_W] > 0xFFFF || p[CV_DIL_H] > 0xFFFF || p[CV_DIL_W] > 0xFFFF) {
        return 0;
    }
    if (p[CV_IN_OFFSET] < -127 || p[CV_IN_OFFSET] > 128 || p[CV_OUT_OFFSET] < -128 || p[CV_OUT_OFFSET] > 127 ||
        p[CV_ACT_MIN] < -128 || p[CV_ACT_MAX] > 127 || p[CV_ACT_MIN] > p[CV_ACT_MAX]) {
        return 0;
    }
    return th_check_tensor(v, p[CV_IN], TH_TYPE_INT8, in_elems) &&
           th_check_tensor(v, p[CV_FILT], TH_TYPE_INT8, k_elems) &&
           th_check_opt_tensor(v, p[CV_BIAS], TH_TYPE_INT32, oc4) &&
           th_check_tensor(v, p[CV_MULT], TH_TYPE_INT32, oc4) && th_check_multipliers(v, p[CV_MULT], p[CV_OUT_C]) &&
           th_check_tensor(v, p[CV_SHIFT], TH_TYPE_INT32, oc4) &&
           v->tensors[p[CV_SHIFT]].location == TH_LOC_WEIGHTS && shifts_ok(v, p[CV_SHIFT], p[CV_OUT_C]) &&
           th_check_opt_tensor(v, p[CV_KSUM], TH_TYPE_INT32, oc4) &&
           th_check_opt_tensor(v, p[CV_WDSP], TH_TYPE_INT8,
                               depthwise ? (uint32_t)(p[CV_OUT_C] & ~3) * (uint32_t)(p[CV_K_H] * p[CV_K_W]) : 0) &&
           th_check_output(v, p[CV_OUT], TH_TYPE_INT8, out_elems) &&
           th_check_scratch(v, p[CV_SCRATCH_OFF], p[CV_SCRATCH_BYTES]) &&
           (uint64_t)p[CV_SCRATCH_BYTES] >= dsp_scratch_needed(p, depthwise);
}

int th_check_conv2d(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    return th_check_conv_like(v, p, n, 0);
}

#if TH_USE_DSP
#include "th_dsp.h"
#endif

static void conv2d_reference(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[CV_IN]);
    const int8_t *w = (const int8_t *)th_tensor_data(e, p[CV_FILT]);
    const int32_t *bias = p[CV_BIAS] >= 0 ? (const int32_t *)th_tensor_data(e, p[CV_BIAS]) : 0;
    const int32_t *mult = (const int32_t *)th_tensor_data(e, p[CV_MULT]);
    const int32_t *shift = (const int32_t *)th_tensor_data(e, p[CV_SHIFT]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[CV_OUT]);
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], in_c = p[CV_IN_C];
    const int32_t out_h = p[CV_OUT_H], out_w = p[CV_OUT_W], out_c = p[CV_OUT_C];
    const int32_t k_h = p[CV_K_H], k_w = p[CV_K_W];
    const int32_t in_offset = p[CV_IN_OFFSET], out_offset = p[CV_OUT_OFFSET];
    for (int32_t b = 0; b < p[CV_BATCH]; b++) {
        for (int32_t oy = 0; oy < out_h; oy++) {
            const int32_t y0 = oy * p[CV_STRIDE_H] - p[CV_PAD_H];
            for (int32_t ox = 0; ox < out_w; ox++) {
                const int32_t x0 = ox * p[CV_STRIDE_W] - p[CV_PAD_W];
                for (int32_t oc = 0; oc < out_c; oc++) {
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
                            const int8_t *ip = in + ((b * in_h + iy) * in_w + ix) * in_c;
                            const int8_t *wp = w + ((oc * k_h + ky) * k_w + kx) * in_c;
                            for (int32_t ic = 0; ic < in_c; ic++) {
                                acc += (int32_t)wp[ic] * ((int32_t)ip[ic] + in_offset);
                            }
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

void th_run_conv2d(th_engine_t *e, const int32_t *p) {
#if TH_USE_DSP
    if (p[CV_KSUM] >= 0) {
        th_conv2d_dsp(e, p);
        return;
    }
#endif
    conv2d_reference(e, p);
}
