/* Parameter checks shared by AVERAGE_POOL_2D and MAX_POOL_2D. */
#include "th_ops.h"

int th_check_pool2d(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != PL_NPARAMS) {
        return 0;
    }
    const int32_t in_dims[4] = {p[PL_BATCH], p[PL_IN_H], p[PL_IN_W], p[PL_C]};
    const int32_t out_dims[4] = {p[PL_BATCH], p[PL_OUT_H], p[PL_OUT_W], p[PL_C]};
    const uint32_t in_elems = th_dims_product(in_dims, 4), out_elems = th_dims_product(out_dims, 4);
    if (in_elems == 0 || out_elems == 0 || p[PL_K_H] < 1 || p[PL_K_W] < 1 || p[PL_K_H] > 0xFFFF ||
        p[PL_K_W] > 0xFFFF || p[PL_STRIDE_H] < 1 || p[PL_STRIDE_W] < 1 || p[PL_STRIDE_H] > 0xFFFF ||
        p[PL_STRIDE_W] > 0xFFFF || p[PL_PAD_H] < 0 || p[PL_PAD_W] < 0 || p[PL_PAD_H] > 0xFFFF ||
        p[PL_PAD_W] > 0xFFFF) {
        return 0;
    }
    if (p[PL_ACT_MIN] < -128 || p[PL_ACT_MAX] > 127 || p[PL_ACT_MIN] > p[PL_ACT_MAX]) {
        return 0;
    }
    return th_check_tensor(v, p[PL_IN], TH_TYPE_INT8, in_elems) &&
           th_check_output(v, p[PL_OUT], TH_TYPE_INT8, out_elems);
}
