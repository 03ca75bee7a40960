/* MEAN over a contiguous block of axes (int8): integer sum, then one requantisation whose
 * multiplier already includes 1/count (folded on the host). */
#include "th_fixedpoint.h"
#include "th_ops.h"

int th_check_mean(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != MN_NPARAMS) {
        return 0;
    }
    const uint32_t in_elems = th_dims_product(&p[MN_OUTER], 3);
    const int32_t out_dims[2] = {p[MN_OUTER], p[MN_INNER]};
    const uint32_t out_elems = th_dims_product(out_dims, 2);
    if (in_elems == 0 || out_elems == 0 || p[MN_OUT_ZP] < -128 || p[MN_OUT_ZP] > 127 || p[MN_IN_ZP] < -128 ||
        p[MN_IN_ZP] > 127 || p[MN_SHIFT] < -31 || p[MN_SHIFT] > 30 || p[MN_REDUCE] > (1 << 23)) {
        return 0;
    }
    return th_check_tensor(v, p[MN_IN], TH_TYPE_INT8, in_elems) &&
           th_check_output(v, p[MN_OUT], TH_TYPE_INT8, out_elems);
}

void th_run_mean(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[MN_IN]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[MN_OUT]);
    const int32_t outer = p[MN_OUTER], reduce = p[MN_REDUCE], inner = p[MN_INNER];
    const int32_t zp_total = p[MN_IN_ZP] * reduce;
    for (int32_t o = 0; o < outer; o++) {
        for (int32_t i = 0; i < inner; i++) {
            int32_t sum = 0;
            const int8_t *x = in + (o * reduce) * inner + i;
            for (int32_t r = 0; r < reduce; r++) {
                sum += x[r * inner];
            }
            const int32_t v = th_mbqm(sum - zp_total, p[MN_MULT], p[MN_SHIFT]) + p[MN_OUT_ZP];
            out[o * inner + i] = (int8_t)th_clamp(v, -128, 127);
        }
    }
}
