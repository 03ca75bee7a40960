/* SOFTMAX int8 -> int8 (output scale 1/256, zero point -128) in fixed point. */
#include "th_fixedpoint.h"
#include "th_ops.h"

enum { SCALED_DIFF_INT_BITS = 5, ACCUM_INT_BITS = 12 };

int th_check_softmax(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != SM_NPARAMS) {
        return 0;
    }
    const uint32_t elems = th_dims_product(&p[SM_ROWS], 2);
    return elems != 0 && p[SM_SHIFT] >= 0 && p[SM_SHIFT] <= 30 && p[SM_DIFF_MIN] <= 0 &&
           th_check_tensor(v, p[SM_IN], TH_TYPE_INT8, elems) && th_check_output(v, p[SM_OUT], TH_TYPE_INT8, elems);
}

void th_run_softmax(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[SM_IN]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[SM_OUT]);
    const int32_t depth = p[SM_DEPTH], diff_min = p[SM_DIFF_MIN];
    for (int32_t r = 0; r < p[SM_ROWS]; r++) {
        const int8_t *x = in + r * depth;
        int8_t *y = out + r * depth;
        int32_t max_v = -128;
        for (int32_t c = 0; c < depth; c++) {
            max_v = x[c] > max_v ? x[c] : max_v;
        }
        int32_t sum = 0; /* Q12.19 */
        for (int32_t c = 0; c < depth; c++) {
            const int32_t diff = (int32_t)x[c] - max_v;
            if (diff >= diff_min) {
                const int32_t scaled = th_srdhm(th_shl(diff, p[SM_SHIFT]), p[SM_MULT]);
                sum = th_wadd(sum, th_rdbpot(th_exp_on_negative_values(scaled, SCALED_DIFF_INT_BITS), ACCUM_INT_BITS));
            }
        }
        int num_bits_over_unit;
        const int32_t recip = th_reciprocal(sum, ACCUM_INT_BITS, &num_bits_over_unit);
        for (int32_t c = 0; c < depth; c++) {
            const int32_t diff = (int32_t)x[c] - max_v;
            int32_t o = -128;
            if (diff >= diff_min) {
                const int32_t scaled = th_srdhm(th_shl(diff, p[SM_SHIFT]), p[SM_MULT]);
                const int32_t ex = th_exp_on_negative_values(scaled, SCALED_DIFF_INT_BITS);
                const int32_t unsat = th_rdbpot(th_srdhm(recip, ex), num_bits_over_unit + 31 - 8);
                o = th_clamp(unsat - 128, -128, 127);
            }
            y[c] = (int8_t)o;
        }
    }
}
