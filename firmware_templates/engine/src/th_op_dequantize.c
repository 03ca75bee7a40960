/* DEQUANTIZE int8 -> float32: scale * (q - zero_point), computed in double like TFLite. */
#include <math.h>
#include <string.h>

#include "th_ops.h"

static double words_to_double(int32_t lo, int32_t hi) {
    const uint64_t bits = ((uint64_t)(uint32_t)hi << 32) | (uint32_t)lo;
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

int th_check_dequantize(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != DQ_NPARAMS || p[DQ_SIZE] < 1 || p[DQ_ZP] < -128 || p[DQ_ZP] > 127) {
        return 0;
    }
    const double scale = words_to_double(p[DQ_SCALE_LO], p[DQ_SCALE_HI]);
    return isfinite(scale) && th_check_tensor(v, p[DQ_IN], TH_TYPE_INT8, (uint32_t)p[DQ_SIZE]) &&
           th_check_output(v, p[DQ_OUT], TH_TYPE_FLOAT32, 4u * (uint32_t)p[DQ_SIZE]);
}

void th_run_dequantize(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[DQ_IN]);
    float *out = (float *)th_tensor_data(e, p[DQ_OUT]);
    const double scale = words_to_double(p[DQ_SCALE_LO], p[DQ_SCALE_HI]);
    for (int32_t i = 0; i < p[DQ_SIZE]; i++) {
        out[i] = (float)(scale * (double)((int32_t)in[i] - p[DQ_ZP]));
    }
}
