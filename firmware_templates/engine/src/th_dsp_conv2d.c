/* CONV_2D with the DSP extension. Output pixels go in pairs: their receptive fields (the input
 * rows themselves for 1x1/stride-1/unpadded convolutions; an im2col gather otherwise, padding
 * filled with the input zero point so the folded offset cancels) are widened to int16 once and
 * multiplied against every output channel's weights by th_dsp_gemm_x16. Scratch (planned by the
 * compiler in the arena): gather area align4(2*K) bytes, then the widened rows. */
#if TH_USE_DSP

#include <string.h>

#include "th_dsp.h"
#include "th_fixedpoint.h"

static void gather(const int8_t *in, const int32_t *p, int32_t pixel, int8_t *col) {
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], in_c = p[CV_IN_C];
    const int32_t per_image = p[CV_OUT_H] * p[CV_OUT_W];
    const int32_t b = pixel / per_image, oy = (pixel % per_image) / p[CV_OUT_W], ox = pixel % p[CV_OUT_W];
    const int8_t pad_value = (int8_t)(-p[CV_IN_OFFSET]);
    const int32_t y0 = oy * p[CV_STRIDE_H] - p[CV_PAD_H], x0 = ox * p[CV_STRIDE_W] - p[CV_PAD_W];
    for (int32_t ky = 0; ky < p[CV_K_H]; ky++) {
        const int32_t iy = y0 + ky * p[CV_DIL_H];
        const int row_ok = iy >= 0 && iy < in_h;
        const int8_t *row = in + (b * in_h + iy) * in_w * in_c;
        for (int32_t kx = 0; kx < p[CV_K_W]; kx++) {
            const int32_t ix = x0 + kx * p[CV_DIL_W];
            if (!row_ok || ix < 0 || ix >= in_w) {
                for (int32_t c = 0; c < in_c; c++) {
                    col[c] = pad_value;
                }
            } else if (in_c < 8) {
                const int8_t *src = row + ix * in_c;
                for (int32_t c = 0; c < in_c; c++) {
                    col[c] = src[c];
                }
            } else {
                memcpy(col, row + ix * in_c, (size_t)in_c);
            }
            col += in_c;
        }
    }
}

void th_conv2d_dsp(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[CV_IN]);
    const int8_t *w = (const int8_t *)th_tensor_data(e, p[CV_FILT]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[CV_OUT]);
    const th_gemm_out_t q = {
        (const int32_t *)th_tensor_data(e, p[CV_KSUM]), (const int32_t *)th_tensor_data(e, p[CV_MULT]),
        (const int32_t *)th_tensor_data(e, p[CV_SHIFT]), p[CV_OUT_OFFSET], p[CV_ACT_MIN], p[CV_ACT_MAX]};
    const int32_t out_c = p[CV_OUT_C];
    const int32_t pixels = p[CV_BATCH] * p[CV_OUT_H] * p[CV_OUT_W];
    const int32_t depth = p[CV_K_H] * p[CV_K_W] * p[CV_IN_C];
    const int pointwise = p[CV_K_H] == 1 && p[CV_K_W] == 1 && p[CV_STRIDE_H] == 1 && p[CV_STRIDE_W] == 1 &&
                          p[CV_PAD_H] == 0 && p[CV_PAD_W] == 0;
    int8_t *col = (int8_t *)th_scratch(e, p[CV_SCRATCH_OFF]);
    int32_t *wide = (int32_t *)(void *)(col + (pointwise ? 0 : ((2 * depth + 3) & ~3)));
    for (int32_t i = 0; i < pixels; i += 2) {
        const int two = i + 1 < pixels;
        const int8_t *r0, *r1;
        if (pointwise) {
            r0 = in + i * depth;
            r1 = two ? r0 + depth : 0;
        } else {
            gather(in, p, i, col);
            if (two) {
                gather(in, p, i + 1, col + depth);
            }
            r0 = col;
            r1 = two ? col + depth : 0;
        }
        th_dsp_expand_rows(r0, r1, depth, wide);
        th_dsp_gemm_x16(wide, two, out + i * out_c, two ? out + (i + 1) * out_c : 0, w, out_c, depth, &q);
    }
}

#else
typedef int th_dsp_conv2d_unused_t;
#endif
