/* QUANTIZE: float32 -> int8 (round half away from zero) or int8 -> int8 requantisation. */
#include <math.h>
#include <string.h>

#include "th_fixedpoint.h"
#include "th_ops.h"

static double words_to_double(int32_t lo, int32_t hi) {
    const uint64_t bits = ((uint64_t)(uint32_t)hi << 32) | (uint32_t)lo;
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

int th_check_quantize(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != QZ_NPARAMS || p[QZ_SIZE] < 1 || p[QZ_OUT_ZP] < -128 || p[QZ_OUT_ZP] > 127) {
        return 0;
    }
    const uint32_t size = (uint32_t)p[QZ_SIZE];
    if (p[QZ_MODE] == 0) {
        const double scale = words_to_double(p[QZ_SCALE_LO], p[QZ_SCALE_HI]);
        return isfinite(scale) && scale > 0.0 && th_check_tensor(v, p[QZ_IN], TH_TYPE_FLOAT32, 4u * size) &&
               th_check_output(v, p[QZ_OUT], TH_TYPE_INT8, size);
    }
    return p[QZ_MODE] == 1 && p[QZ_SHIFT] >= -31 && p[QZ_SHIFT] <= 30 &&
           th_check_tensor(v, p[QZ_IN], TH_TYPE_INT8, size) && th_check_output(v, p[QZ_OUT], TH_TYPE_INT8, size);
}

void th_run_quantize(th_engine_t *e, const int32_t *p) {
    int8_t *out = (int8_t *)th_tensor_data(e, p[QZ_OUT]);
    if (p[QZ_MODE] == 0) {
        const float *in = (const float *)th_tensor_data(e, p[QZ_IN]);
        const double scale = words_to_double(p[QZ_SCALE_LO], p[QZ_SCALE_HI]);
        for (int32_t i = 0; i < p[QZ_SIZE]; i++) {
            double q = round((double)in[i] / scale);
            q = q > 1e9 ? 1e9 : (q < -1e9 ? -1e9 : q); /* keep the int conversion defined */
            const int32_t v = (int32_t)q + p[QZ_OUT_ZP];
            out[i] = (int8_t)th_clamp(v, -128, 127);
        }
    } else {
        const int8_t *in = (const int8_t *)th_tensor_data(e, p[QZ_IN]);
        for (int32_t i = 0; i < p[QZ_SIZE]; i++) {
            const int32_t v = th_mbqm((int32_t)in[i] - p[QZ_IN_ZP], p[QZ_MULT], p[QZ_SHIFT]) + p[QZ_OUT_ZP];
            out[i] = (int8_t)th_clamp(v, -128, 127);
        }
    }
}
