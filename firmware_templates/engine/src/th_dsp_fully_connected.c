/* FULLY_CONNECTED with the DSP extension: each batch row against four output channels at a time. */
#if TH_USE_DSP

#include "th_dsp.h"

void th_fully_connected_dsp(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[FC_IN]);
    const int8_t *w = (const int8_t *)th_tensor_data(e, p[FC_FILT]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[FC_OUT]);
    const th_gemm_out_t q = {
        (const int32_t *)th_tensor_data(e, p[FC_KSUM]), (const int32_t *)th_tensor_data(e, p[FC_MULT]),
        (const int32_t *)th_tensor_data(e, p[FC_SHIFT]), p[FC_OUT_OFFSET], p[FC_ACT_MIN], p[FC_ACT_MAX], 0};
    const int32_t depth = p[FC_DEPTH], out_c = p[FC_OUT_C];
    for (int32_t b = 0; b < p[FC_BATCH]; b++) {
        th_dsp_gemm_row(in + b * depth, out + b * out_c, w, out_c, depth, &q);
    }
}

#else
typedef int th_dsp_fully_connected_unused_t;
#endif
