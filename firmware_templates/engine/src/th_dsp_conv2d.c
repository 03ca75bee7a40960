/* CONV_2D with the DSP extension: 1x1/stride-1/unpadded convolutions are a GEMM straight on the
 * input; the others gather two output pixels' receptive fields (im2col, int8, padding filled with
 * the input zero point so the folded offset cancels) into scratch and run the same GEMM core. */
#if TH_USE_DSP

#include <string.h>

#include "th_dsp.h"
#include "th_fixedpoint.h"

static void im2col(const int8_t *in, const int32_t *p, int32_t b, int32_t oy, int32_t ox, int8_t *col) {
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], in_c = p[CV_IN_C];
    const int8_t pad_value = (int8_t)(-p[CV_IN_OFFSET]);
    const int32_t y0 = oy * p[CV_STRIDE_H] - p[CV_PAD_H], x0 = ox * p[CV_STRIDE_W] - p[CV_PAD_W];
    for (int32_t ky = 0; ky < p[CV_K_H]; ky++) {
        const int32_t iy = y0 + ky * p[CV_DIL_H];
        for (int32_t kx = 0; kx < p[CV_K_W]; kx++) {
            const int32_t ix = x0 + kx * p[CV_DIL_W];
            if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) {
                memset(col, pad_value, (size_t)in_c);
            } else {
                memcpy(col, in + ((b * in_h + iy) * in_w + ix) * in_c, (size_t)in_c);
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
    const int32_t out_c = p[CV_OUT_C], out_w = p[CV_OUT_W];
    const int32_t pixels = p[CV_BATCH] * p[CV_OUT_H] * out_w;
    const int32_t depth = p[CV_K_H] * p[CV_K_W] * p[CV_IN_C];
    const int pointwise = p[CV_K_H] == 1 && p[CV_K_W] == 1 && p[CV_STRIDE_H] == 1 && p[CV_STRIDE_W] == 1 &&
                          p[CV_PAD_H] == 0 && p[CV_PAD_W] == 0;
    if (pointwise) {
        int32_t i = 0;
        for (; i + 1 < pixels; i += 2) {
            th_dsp_gemm_rows2(in + i * depth, in + (i + 1) * depth, out + i * out_c, out + (i + 1) * out_c, w, out_c,
                              depth, &q);
        }
        if (i < pixels) {
            th_dsp_gemm_rows2(in + i * depth, 0, out + i * out_c, 0, w, out_c, depth, &q);
        }
        return;
    }
    int8_t *col = (int8_t *)th_scratch(e, p[CV_SCRATCH_OFF]);
    const int32_t per_image = p[CV_OUT_H] * out_w;
    int32_t i = 0;
    for (; i + 1 < pixels; i += 2) {
        const int32_t j = i + 1;
        im2col(in, p, i / per_image, (i % per_image) / out_w, i % out_w, col);
        im2col(in, p, j / per_image, (j % per_image) / out_w, j % out_w, col + depth);
        th_dsp_gemm_rows2(col, col + depth, out + i * out_c, out + j * out_c, w, out_c, depth, &q);
    }
    if (i < pixels) {
        im2col(in, p, i / per_image, (i % per_image) / out_w, i % out_w, col);
        th_dsp_gemm_rows2(col, 0, out + i * out_c, 0, w, out_c, depth, &q);
    }
}

#else
typedef int th_dsp_conv2d_unused_t;
#endif
