/* Internal interface of the DSP-extension kernels (built when TH_USE_DSP is 1). */
#ifndef TH_DSP_H
#define TH_DSP_H

#include <stdint.h>

#include "th_engine_impl.h"

typedef struct {
    const int32_t *ksum;  /* bias + input_offset * sum(weights), per output channel */
    const int32_t *mult;
    const int32_t *shift;
    int32_t out_offset;
    int32_t act_min;
    int32_t act_max;
    /* 1: every channel takes th_rq_fast (th_gemm_rq_fast_ok); 0 (the default of an initializer
     * that leaves it out): the reference requantisation */
    int32_t rq_fast;
} th_gemm_out_t;

/* Whether all n channels of q satisfy th_rq_fast_ok with a non-negative multiplier. */
int32_t th_gemm_rq_fast_ok(const th_gemm_out_t *q, int32_t n);

/* Widen one (a1 == NULL) or two int8 rows of `depth` into th_dsp_gemm_x16's layout:
 * th_dsp_expand_bytes(depth, rows) bytes at dst (4-byte aligned). */
void th_dsp_expand_rows(const int8_t *a0, const int8_t *a1, int32_t depth, int32_t *dst);
static inline uint32_t th_dsp_expand_bytes(int32_t depth, int rows) { return (uint32_t)(4 * depth * rows) / 2u + 4u; }

/* Widened rows (one or two) against all n_out int8 weight rows of length depth. */
void th_dsp_gemm_x16(const int32_t *xexp, int two_rows, int8_t *out0, int8_t *out1, const int8_t *w, int32_t n_out,
                     int32_t depth, const th_gemm_out_t *q);

/* One int8 row against all n_out weight rows (fully connected). */
void th_dsp_gemm_row(const int8_t *a, int8_t *out, const int8_t *w, int32_t n_out, int32_t depth,
                     const th_gemm_out_t *q);

void th_conv2d_dsp(th_engine_t *e, const int32_t *p);
void th_depthwise_conv2d_dsp(th_engine_t *e, const int32_t *p);
void th_fully_connected_dsp(th_engine_t *e, const int32_t *p);
void th_average_pool2d_dsp(th_engine_t *e, const int32_t *p);
void th_max_pool2d_dsp(th_engine_t *e, const int32_t *p);

#endif /* TH_DSP_H */
