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
} th_gemm_out_t;

/* Two (a1 != NULL) or one activation rows against all n_out weight rows of length depth. */
void th_dsp_gemm_rows2(const int8_t *a0, const int8_t *a1, int8_t *out0, int8_t *out1, const int8_t *w,
                       int32_t n_out, int32_t depth, const th_gemm_out_t *q);

void th_conv2d_dsp(th_engine_t *e, const int32_t *p);
void th_depthwise_conv2d_dsp(th_engine_t *e, const int32_t *p);
void th_fully_connected_dsp(th_engine_t *e, const int32_t *p);
void th_average_pool2d_dsp(th_engine_t *e, const int32_t *p);

#endif /* TH_DSP_H */
