/* AVERAGE_POOL_2D with the DSP extension: four channels per step summed in 16-bit lanes with
 * SXTAB16 (exact while the window holds at most 256 values), then TFLite's rounded division. */
#if TH_USE_DSP

#include <string.h>

#include "th_acle.h"
#include "th_dsp.h"
#include "th_fixedpoint.h"

static inline int8_t average(int32_t sum, int32_t count, const int32_t *p) {
    int32_t v = 0;
    if (count > 0) {
        v = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    }
    return (int8_t)th_clamp(v, p[PL_ACT_MIN], p[PL_ACT_MAX]);
}

void th_average_pool2d_dsp(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[PL_IN]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[PL_OUT]);
    const int32_t in_h = p[PL_IN_H], in_w = p[PL_IN_W], ch = p[PL_C];
    const int lanes_ok = p[PL_K_H] * p[PL_K_W] <= 256;
    for (int32_t b = 0; b < p[PL_BATCH]; b++) {
        for (int32_t oy = 0; oy < p[PL_OUT_H]; oy++) {
            const int32_t y0 = oy * p[PL_STRIDE_H] - p[PL_PAD_H];
            const int32_t ky0 = y0 < 0 ? -y0 : 0;
            const int32_t ky1 = p[PL_K_H] < in_h - y0 ? p[PL_K_H] : in_h - y0;
            for (int32_t ox = 0; ox < p[PL_OUT_W]; ox++) {
                const int32_t x0 = ox * p[PL_STRIDE_W] - p[PL_PAD_W];
                const int32_t kx0 = x0 < 0 ? -x0 : 0;
                const int32_t kx1 = p[PL_K_W] < in_w - x0 ? p[PL_K_W] : in_w - x0;
                const int32_t count = (ky1 > ky0 && kx1 > kx0) ? (ky1 - ky0) * (kx1 - kx0) : 0;
                int8_t *o = out + ((b * p[PL_OUT_H] + oy) * p[PL_OUT_W] + ox) * ch;
                int32_t c = 0;
                if (lanes_ok) {
                    for (; c + 3 < ch; c += 4) {
                        int32_t even = 0, odd = 0; /* channels c, c+2 and c+1, c+3 as 16-bit lanes */
                        for (int32_t ky = ky0; ky < ky1; ky++) {
                            const int8_t *row = in + ((b * in_h + y0 + ky) * in_w + x0) * ch + c;
                            for (int32_t kx = kx0; kx < kx1; kx++) {
                                const int32_t x = th_load4(row + kx * ch);
                                even = __sxtab16(even, x);
                                odd = __sxtab16(odd, th_ror8(x));
                            }
                        }
                        o[c] = average((int16_t)(even & 0xFFFF), count, p);
                        o[c + 1] = average((int16_t)(odd & 0xFFFF), count, p);
                        o[c + 2] = average((int16_t)((uint32_t)even >> 16), count, p);
                        o[c + 3] = average((int16_t)((uint32_t)odd >> 16), count, p);
                    }
                }
                for (; c < ch; c++) {
                    int32_t sum = 0;
                    for (int32_t ky = ky0; ky < ky1; ky++) {
                        const int8_t *row = in + ((b * in_h + y0 + ky) * in_w + x0) * ch + c;
                        for (int32_t kx = kx0; kx < kx1; kx++) {
                            sum += row[kx * ch];
                        }
                    }
                    o[c] = average(sum, count, p);
                }
            }
        }
    }
}

#else
typedef int th_dsp_average_pool2d_unused_t;
#endif
