/* RELU int8: requantise to the output scale, then clamp at zero. */
#include "th_fixedpoint.h"
#include "th_ops.h"

int th_check_relu(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    return n == RL_NPARAMS && p[RL_SIZE] >= 1 && p[RL_SHIFT] >= -31 && p[RL_SHIFT] <= 30 &&
           p[RL_ACT_MIN] >= -128 && p[RL_ACT_MAX] <= 127 && p[RL_ACT_MIN] <= p[RL_ACT_MAX] &&
           th_check_tensor(v, p[RL_IN], TH_TYPE_INT8, (uint32_t)p[RL_SIZE]) &&
           th_check_output(v, p[RL_OUT], TH_TYPE_INT8, (uint32_t)p[RL_SIZE]);
}

void th_run_relu(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[RL_IN]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[RL_OUT]);
    for (int32_t i = 0; i < p[RL_SIZE]; i++) {
        const int32_t v = p[RL_OUT_ZP] + th_mbqm((int32_t)in[i] - p[RL_IN_ZP], p[RL_MULT], p[RL_SHIFT]);
        out[i] = (int8_t)th_clamp(v, p[RL_ACT_MIN], p[RL_ACT_MAX]);
    }
}
