/* MAX_POOL_2D (int8 in and out with the same quantisation): the maximum of the valid taps,
 * then the fused activation clamp. */
#include "th_fixedpoint.h"
#include "th_ops.h"

#if TH_USE_DSP
#include "th_dsp.h"
#else
static void max_pool_reference(th_engine_t *e, const int32_t *p) {
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
                    int32_t m = -128;
                    for (int32_t ky = ky0; ky < ky1; ky++) {
                        const int8_t *row = in + ((b * in_h + y0 + ky) * in_w + x0) * ch + c;
                        for (int32_t kx = kx0; kx < kx1; kx++) {
                            m = row[kx * ch] > m ? row[kx * ch] : m;
                        }
                    }
                    o[c] = (int8_t)th_clamp(m, p[PL_ACT_MIN], p[PL_ACT_MAX]);
                }
            }
        }
    }
}
#endif

void th_run_max_pool2d(th_engine_t *e, const int32_t *p) {
#if TH_USE_DSP
    th_max_pool2d_dsp(e, p);
#else
    max_pool_reference(e, p);
#endif
}
