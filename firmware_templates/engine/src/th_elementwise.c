/* Shared checks for the broadcasting element-wise ops (ADD, MUL). */
#include "th_ops.h"

static uint32_t span(const int32_t *dims, const int32_t *strides) {
    uint64_t last = 0;
    for (int i = 0; i < 4; i++) {
        if (strides[i] < 0) {
            return 0;
        }
        last += (uint64_t)(dims[i] - 1) * (uint64_t)strides[i];
    }
    return last + 1 > 0x7FFFFFFFu ? 0 : (uint32_t)(last + 1);
}

int th_check_broadcast(const th_plan_view_t *v, const int32_t *p) {
    const uint32_t out_elems = th_dims_product(&p[EW_D0], 4);
    if (out_elems == 0) {
        return 0;
    }
    const uint32_t n1 = span(&p[EW_D0], &p[EW_S1_0]), n2 = span(&p[EW_D0], &p[EW_S2_0]);
    if (n1 == 0 || n2 == 0) {
        return 0;
    }
    if (p[EW_IN1_OFFSET] < -127 || p[EW_IN1_OFFSET] > 128 || p[EW_IN2_OFFSET] < -127 ||
        p[EW_IN2_OFFSET] > 128 || p[EW_OUT_OFFSET] < -128 || p[EW_OUT_OFFSET] > 127) {
        return 0;
    }
    return th_check_tensor(v, p[EW_IN1], TH_TYPE_INT8, n1) && th_check_tensor(v, p[EW_IN2], TH_TYPE_INT8, n2) &&
           th_check_output(v, p[EW_OUT], TH_TYPE_INT8, out_elems);
}
