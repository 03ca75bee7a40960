/* LOGISTIC int8 -> int8 (output scale 1/256, zero point -128) via fixed-point exp/reciprocal. */
#include "th_fixedpoint.h"
#include "th_ops.h"

int th_check_logistic(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != LG_NPARAMS || p[LG_SIZE] < 1) {
        return 0;
    }
    return p[LG_SHIFT] >= -31 && p[LG_SHIFT] <= 30 && p[LG_RADIUS] >= 0 && p[LG_IN_ZP] >= -128 &&
           p[LG_IN_ZP] <= 127 && th_check_tensor(v, p[LG_IN], TH_TYPE_INT8, (uint32_t)p[LG_SIZE]) &&
           th_check_output(v, p[LG_OUT], TH_TYPE_INT8, (uint32_t)p[LG_SIZE]);
}

void th_run_logistic(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[LG_IN]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[LG_OUT]);
    for (int32_t i = 0; i < p[LG_SIZE]; i++) {
        const int32_t x = (int32_t)in[i] - p[LG_IN_ZP];
        int32_t y;
        if (x <= -p[LG_RADIUS]) {
            y = -128;
        } else if (x >= p[LG_RADIUS]) {
            y = 127;
        } else {
            const int32_t q4 = th_mbqm(x, p[LG_MULT], p[LG_SHIFT]);
            const int32_t q0 = th_logistic_q4(q4);
            y = th_clamp(th_rdbpot(q0, 23) - 128, -128, 127);
        }
        out[i] = (int8_t)y;
    }
}
