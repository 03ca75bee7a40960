/* AVERAGE_POOL_2D and MAX_POOL_2D (int8 in and out with the same quantisation). */
#include "th_fixedpoint.h"
#include "th_ops.h"

int th_check_pool2d(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != PL_NPARAMS) {
        return 0;
    }
    const int32_t in_dims[4] = {p[PL_BATCH], p[PL_IN_H], p[PL_IN_W], p[PL_C]};
    const int32_t out_dims[4] = {p[PL_BATCH], p[PL_OUT_H], p[PL_OUT_W], p[PL_C]};
    const uint32_t in_elems = th_dims_product(in_dims, 4), out_elems = th_dims_product(out_dims, 4);
    if (in_elems == 0 || out_elems == 0 || p[PL_K_H] < 1 || p[PL_K_W] < 1 || p[PL_K_H] > 0xFFFF ||
        p[PL_K_W] > 0xFFFF || p[PL_STRIDE_H] < 1 || p[PL_STRIDE_W] < 1 || p[PL_STRIDE_H] > 0xFFFF ||
        p[PL_STRIDE_W] > 0xFFFF || p[PL_PAD_H] < 0 || p[PL_PAD_W] < 0 || p[PL_PAD_H] > 0xFFFF ||
        p[PL_PAD_W] > 0xFFFF) {
        return 0;
    }
    if (p[PL_ACT_MIN] < -128 || p[PL_ACT_MAX] > 127 || p[PL_ACT_MIN] > p[PL_ACT_MAX]) {
        return 0;
    }
    return th_check_tensor(v, p[PL_IN], TH_TYPE_INT8, in_elems) &&
           th_check_output(v, p[PL_OUT], TH_TYPE_INT8, out_elems);
}

#if !TH_USE_DSP
static void pool(th_engine_t *e, const int32_t *p, int is_max) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[PL_IN]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[PL_OUT]);
    const int32_t in_h = p[PL_IN_H], in_w = p[PL_IN_W], ch = p[PL_C];
    for (int32_t b = 0; b < p[PL_BATCH]; b++) {
        for (int32_t oy = 0; oy < p[PL_OUT_H]; oy++) {
            const int32_t y0 = oy * p[PL_STRIDE_H] - p[PL_PAD_H];
            const int32_t ky0 = y0 < 0 ? -y0 : 0;
            const int32_t ky1 = p[PL_K_H] < in_h - y0 ? p[PL_K_H] : in_h - y0;
            for (int32_t ox = 0; ox < p[PL_OUT_W]; ox++) {
                const int32_t x0 = ox * p[PL_STRIDE_W] - p[PL_PAD_W];
                const int32_t kx0 = x0 < 0 ? -x0 : 0;
                const int32_t kx1 = p[PL_K_W] < in_w - x0 ? p[PL_K_W] : in_w - x0;
                int8_t *o = out + ((b * p[PL_OUT_H] + oy) * p[PL_OUT_W] + ox) * ch;
                for (int32_t c = 0; c < ch; c++) {
                    int32_t acc = is_max ? -128 : 0;
                    int32_t count = 0;
                    for (int32_t ky = ky0; ky < ky1; ky++) {
                        const int8_t *row = in + ((b * in_h + y0 + ky) * in_w + x0) * ch + c;
                        for (int32_t kx = kx0; kx < kx1; kx++) {
                            const int32_t x = row[kx * ch];
                            if (is_max) {
                                acc = x > acc ? x : acc;
                            } else {
                                acc += x;
                            }
                            count++;
                        }
                    }
                    if (!is_max) {
                        if (count == 0) {
                            acc = 0;
                        } else {
                            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                        }
                    }
                    o[c] = (int8_t)th_clamp(acc, p[PL_ACT_MIN], p[PL_ACT_MAX]);
                }
            }
        }
    }
}

#endif

#if TH_USE_DSP
#include "th_dsp.h"
#endif

void th_run_average_pool2d(th_engine_t *e, const int32_t *p) {
#if TH_USE_DSP
    th_average_pool2d_dsp(e, p);
#else
    pool(e, p, 0);
#endif
}

void th_run_max_pool2d(th_engine_t *e, const int32_t *p) {
#if TH_USE_DSP
    th_max_pool2d_dsp(e, p);
#else
    pool(e, p, 1);
#endif
}
