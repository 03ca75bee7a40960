/* RELU6 int8: clamp between the quantised 0 and 6 (input and output share quantisation). */
#include "th_fixedpoint.h"
#include "th_ops.h"

int th_check_relu6(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    return n == R6_NPARAMS && p[R6_SIZE] >= 1 && p[R6_LO] >= -128 && p[R6_HI] <= 127 && p[R6_LO] <= p[R6_HI] &&
           th_check_tensor(v, p[R6_IN], TH_TYPE_INT8, (uint32_t)p[R6_SIZE]) &&
           th_check_output(v, p[R6_OUT], TH_TYPE_INT8, (uint32_t)p[R6_SIZE]);
}

void th_run_relu6(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[R6_IN]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[R6_OUT]);
    for (int32_t i = 0; i < p[R6_SIZE]; i++) {
        out[i] = (int8_t)th_clamp(in[i], p[R6_LO], p[R6_HI]);
    }
}
