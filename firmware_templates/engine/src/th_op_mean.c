/* MEAN over a contiguous block of axes (int8), with TFLite's float rescaling of the sum. */
#include <math.h>
#include <string.h>

#include "th_fixedpoint.h"
#include "th_ops.h"

static float bits_to_float(int32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

int th_check_mean(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != MN_NPARAMS) {
        return 0;
    }
    const uint32_t in_elems = th_dims_product(&p[MN_OUTER], 3);
    const int32_t out_dims[2] = {p[MN_OUTER], p[MN_INNER]};
    const uint32_t out_elems = th_dims_product(out_dims, 2);
    const float scale = bits_to_float(p[MN_SCALE]), bias = bits_to_float(p[MN_BIAS]);
    if (in_elems == 0 || out_elems == 0 || !isfinite(scale) || !isfinite(bias) || p[MN_OUT_ZP] < -128 ||
        p[MN_OUT_ZP] > 127 || p[MN_REDUCE] > (1 << 23)) {
        return 0;
    }
    return th_check_tensor(v, p[MN_IN], TH_TYPE_INT8, in_elems) &&
           th_check_output(v, p[MN_OUT], TH_TYPE_INT8, out_elems);
}

void th_run_mean(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[MN_IN]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[MN_OUT]);
    const int32_t outer = p[MN_OUTER], reduce = p[MN_REDUCE], inner = p[MN_INNER];
    const float scale = bits_to_float(p[MN_SCALE]), bias = bits_to_float(p[MN_BIAS]);
    for (int32_t o = 0; o < outer; o++) {
        for (int32_t i = 0; i < inner; i++) {
            int32_t sum = 0;
            const int8_t *x = in + (o * reduce) * inner + i;
            for (int32_t r = 0; r < reduce; r++) {
                sum += x[r * inner];
            }
            const float mean = (float)sum / (float)reduce;
            const float scaled = mean * scale;
            float result = roundf(scaled + bias) + (float)p[MN_OUT_ZP];
            result = result > 127.0f ? 127.0f : result;
            result = result < -128.0f ? -128.0f : result;
            out[o * inner + i] = (int8_t)result;
        }
    }
}
