/* CONV_2D with the DSP extension. Output pixels go in pairs: their receptive fields (the input
 * rows themselves for 1x1/stride-1/unpadded convolutions; an im2col gather otherwise, padding
 * filled with the input zero point so the folded offset cancels) are widened to int16 once and
 * multiplied against every output channel's weights by th_dsp_gemm_x16. Scratch (planned by the
 * compiler in the arena): the widened rows (4*K + 4 bytes), preceded by an int8 gather area of
 * align4(2*K) bytes when in_c is not a multiple of 4 (otherwise the gather widens directly). */
#if TH_USE_DSP

#include <string.h>

#include "th_acle.h"
#include "th_dsp.h"
#include "th_fixedpoint.h"

static inline void copy_bytes(int8_t *dst, const int8_t *src, int32_t n) {
    if (n >= 16) {
        memcpy(dst, src, (size_t)n);
    } else {
        for (int32_t i = 0; i < n; i++) {
            dst[i] = src[i];
        }
    }
}

static inline void fill_bytes(int8_t *dst, int8_t value, int32_t n) {
    for (int32_t i = 0; i < n; i++) {
        dst[i] = value;
    }
}

/* The receptive field of one output pixel as a row of K = k_h * k_w * in_c int8 values. With
 * no horizontal dilation each kernel row is one contiguous input segment (clipped, padded). */
static void gather(const int8_t *in, const int32_t *p, int32_t pixel, int8_t *col) {
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], in_c = p[CV_IN_C], k_w = p[CV_K_W];
    const int32_t per_image = p[CV_OUT_H] * p[CV_OUT_W];
    const int32_t b = pixel / per_image, oy = (pixel % per_image) / p[CV_OUT_W], ox = pixel % p[CV_OUT_W];
    const int8_t pad_value = (int8_t)(-p[CV_IN_OFFSET]);
    const int32_t y0 = oy * p[CV_STRIDE_H] - p[CV_PAD_H], x0 = ox * p[CV_STRIDE_W] - p[CV_PAD_W];
    const int32_t row_bytes = k_w * in_c;
    for (int32_t ky = 0; ky < p[CV_K_H]; ky++, col += row_bytes) {
        const int32_t iy = y0 + ky * p[CV_DIL_H];
        if (iy < 0 || iy >= in_h) {
            fill_bytes(col, pad_value, row_bytes);
            continue;
        }
        const int8_t *row = in + (b * in_h + iy) * in_w * in_c;
        if (p[CV_DIL_W] == 1) {
            const int32_t lo = x0 < 0 ? -x0 : 0;
            int32_t hi = in_w - x0;
            hi = hi > k_w ? k_w : (hi < lo ? lo : hi);
            fill_bytes(col, pad_value, lo * in_c);
            copy_bytes(col + lo * in_c, row + (x0 + lo) * in_c, (hi - lo) * in_c);
            fill_bytes(col + hi * in_c, pad_value, (k_w - hi) * in_c);
            continue;
        }
        for (int32_t kx = 0; kx < k_w; kx++) {
            const int32_t ix = x0 + kx * p[CV_DIL_W];
            if (ix < 0 || ix >= in_w) {
                fill_bytes(col + kx * in_c, pad_value, in_c);
            } else {
                copy_bytes(col + kx * in_c, row + ix * in_c, in_c);
            }
        }
    }
}

/* For in_c a multiple of 4: gather one output pixel's receptive field straight into the widened
 * layout th_dsp_gemm_x16 reads (row `row` of `rows`), a word (4 channels) at a time, so no int8
 * staging buffer is needed. */
static void gather_wide(const int8_t *in, const int32_t *p, int32_t pixel, int row, int rows, int32_t *dst) {
    const int32_t in_h = p[CV_IN_H], in_w = p[CV_IN_W], in_c = p[CV_IN_C];
    const int32_t per_image = p[CV_OUT_H] * p[CV_OUT_W];
    const int32_t b = pixel / per_image, oy = (pixel % per_image) / p[CV_OUT_W], ox = pixel % p[CV_OUT_W];
    const uint32_t zp = (uint8_t)(int8_t)(-p[CV_IN_OFFSET]);
    const int32_t pad_word = (int32_t)(zp * 0x01010101u);
    const int32_t pad_even = th_sxtb16_even(pad_word), pad_odd = th_sxtb16_odd(pad_word);
    const int32_t y0 = oy * p[CV_STRIDE_H] - p[CV_PAD_H], x0 = ox * p[CV_STRIDE_W] - p[CV_PAD_W];
    const int32_t words = in_c >> 2, step = 2 * rows;
    int32_t *d = dst + 2 * row;
    for (int32_t ky = 0; ky < p[CV_K_H]; ky++) {
        const int32_t iy = y0 + ky * p[CV_DIL_H];
        const int row_ok = iy >= 0 && iy < in_h;
        const int8_t *in_row = in + (b * in_h + iy) * in_w * in_c;
        for (int32_t kx = 0; kx < p[CV_K_W]; kx++) {
            const int32_t ix = x0 + kx * p[CV_DIL_W];
            if (!row_ok || ix < 0 || ix >= in_w) {
                for (int32_t j = 0; j < words; j++, d += step) {
                    d[0] = pad_even;
                    d[1] = pad_odd;
                }
            } else {
                const int8_t *src = in_row + ix * in_c;
                for (int32_t j = 0; j < words; j++, d += step, src += 4) {
                    const int32_t x = th_load4(src);
                    d[0] = th_sxtb16_even(x);
                    d[1] = th_sxtb16_odd(x);
                }
            }
        }
    }
}

void th_conv2d_dsp(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[CV_IN]);
    const int8_t *w = (const int8_t *)th_tensor_data(e, p[CV_FILT]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[CV_OUT]);
    th_gemm_out_t q = {
        (const int32_t *)th_tensor_data(e, p[CV_KSUM]), (const int32_t *)th_tensor_data(e, p[CV_MULT]),
        (const int32_t *)th_tensor_data(e, p[CV_SHIFT]), p[CV_OUT_OFFSET], p[CV_ACT_MIN], p[CV_ACT_MAX], 0};
    const int32_t out_c = p[CV_OUT_C];
    q.rq_fast = th_gemm_rq_fast_ok(&q, out_c);
    const int32_t pixels = p[CV_BATCH] * p[CV_OUT_H] * p[CV_OUT_W];
    const int32_t depth = p[CV_K_H] * p[CV_K_W] * p[CV_IN_C];
    const int pointwise = p[CV_K_H] == 1 && p[CV_K_W] == 1 && p[CV_STRIDE_H] == 1 && p[CV_STRIDE_W] == 1 &&
                          p[CV_PAD_H] == 0 && p[CV_PAD_W] == 0;
    const int direct = !pointwise && (p[CV_IN_C] & 3) == 0;
    int8_t *col = (int8_t *)th_scratch(e, p[CV_SCRATCH_OFF]);
    int32_t *wide = (int32_t *)(void *)(col + (pointwise || direct ? 0 : ((2 * depth + 3) & ~3)));
    for (int32_t i = 0; i < pixels; i += 2) {
        const int two = i + 1 < pixels;
        const int8_t *r0, *r1;
        if (direct) {
            gather_wide(in, p, i, 0, two ? 2 : 1, wide);
            if (two) {
                gather_wide(in, p, i + 1, 1, 2, wide);
            }
            th_dsp_gemm_x16(wide, two, out + i * out_c, two ? out + (i + 1) * out_c : 0, w, out_c, depth, &q);
            continue;
        }
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
