/* MAX_POOL_2D with the DSP extension: four channels per word, per-byte maximum with SSUB8/SEL,
 * the lower activation bound as one more per-byte maximum, the upper one per byte. */
#if TH_USE_DSP

#include <string.h>

#include "th_acle.h"
#include "th_dsp.h"
#include "th_fixedpoint.h"

void th_max_pool2d_dsp(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[PL_IN]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[PL_OUT]);
    const int32_t in_h = p[PL_IN_H], in_w = p[PL_IN_W], ch = p[PL_C];
    const int32_t lo = p[PL_ACT_MIN], hi = p[PL_ACT_MAX];
    const int32_t lo4 = (int32_t)((uint32_t)(uint8_t)(int8_t)lo * 0x01010101u);
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
                int32_t c = 0;
                for (; c + 3 < ch; c += 4) {
                    int32_t m = (int32_t)0x80808080u; /* -128 in every byte */
                    for (int32_t ky = ky0; ky < ky1; ky++) {
                        const int8_t *row = in + ((b * in_h + y0 + ky) * in_w + x0) * ch + c;
                        for (int32_t kx = kx0; kx < kx1; kx++) {
                            m = th_smax8x4(th_load4(row + kx * ch), m);
                        }
                    }
                    m = th_smax8x4(m, lo4);
                    int8_t r[4];
                    memcpy(r, &m, 4);
                    for (int i = 0; i < 4; i++) {
                        o[c + i] = (int8_t)(r[i] > hi ? hi : r[i]);
                    }
                }
                for (; c < ch; c++) {
                    int32_t m = -128;
                    for (int32_t ky = ky0; ky < ky1; ky++) {
                        const int8_t *row = in + ((b * in_h + y0 + ky) * in_w + x0) * ch + c;
                        for (int32_t kx = kx0; kx < kx1; kx++) {
                            m = row[kx * ch] > m ? row[kx * ch] : m;
                        }
                    }
                    o[c] = (int8_t)th_clamp(m, lo, hi);
                }
            }
        }
    }
}

#else
typedef int th_dsp_max_pool2d_unused_t;
#endif
