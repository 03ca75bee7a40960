/* FULLY_CONNECTED, per-tensor or per-channel requantisation (multiplier/shift arrays). */
#include "th_fixedpoint.h"
#include "th_ops.h"

int th_check_fully_connected(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != FC_NPARAMS) {
        return 0;
    }
    const int32_t in_dims[2] = {p[FC_BATCH], p[FC_DEPTH]};
    const int32_t w_dims[2] = {p[FC_OUT_C], p[FC_DEPTH]};
    const int32_t out_dims[2] = {p[FC_BATCH], p[FC_OUT_C]};
    const uint32_t in_elems = th_dims_product(in_dims, 2), w_elems = th_dims_product(w_dims, 2);
    const uint32_t out_elems = th_dims_product(out_dims, 2);
    const uint32_t oc4 = 4u * (uint32_t)p[FC_OUT_C];
    if (in_elems == 0 || w_elems == 0 || out_elems == 0) {
        return 0;
    }
    if (p[FC_IN_OFFSET] < -127 || p[FC_IN_OFFSET] > 128 || p[FC_FILT_OFFSET] < -127 || p[FC_FILT_OFFSET] > 128 ||
        p[FC_OUT_OFFSET] < -128 || p[FC_OUT_OFFSET] > 127 ||
        p[FC_ACT_MIN] < -128 || p[FC_ACT_MAX] > 127 || p[FC_ACT_MIN] > p[FC_ACT_MAX]) {
        return 0;
    }
    if (p[FC_KSUM] >= 0 && p[FC_FILT_OFFSET] != 0) {
        return 0;
    }
    if (!th_check_tensor(v, p[FC_MULT], TH_TYPE_INT32, oc4) || !th_check_tensor(v, p[FC_SHIFT], TH_TYPE_INT32, oc4) ||
        v->tensors[p[FC_SHIFT]].location != TH_LOC_WEIGHTS || !th_check_multipliers(v, p[FC_MULT], p[FC_OUT_C])) {
        return 0;
    }
    const int32_t *shifts = (const int32_t *)(const void *)(v->weights + v->tensors[p[FC_SHIFT]].offset);
    for (int32_t c = 0; c < p[FC_OUT_C]; c++) {
        if (shifts[c] < -31 || shifts[c] > 30) {
            return 0;
        }
    }
    return th_check_tensor(v, p[FC_IN], TH_TYPE_INT8, in_elems) &&
           th_check_tensor(v, p[FC_FILT], TH_TYPE_INT8, w_elems) &&
           th_check_opt_tensor(v, p[FC_BIAS], TH_TYPE_INT32, oc4) &&
           th_check_opt_tensor(v, p[FC_KSUM], TH_TYPE_INT32, oc4) &&
           th_check_output(v, p[FC_OUT], TH_TYPE_INT8, out_elems) &&
           th_check_scratch(v, p[FC_SCRATCH_OFF], p[FC_SCRATCH_BYTES]);
}

#if TH_USE_DSP
#include "th_dsp.h"
#endif

static void fully_connected_reference(th_engine_t *e, const int32_t *p) {
    const int8_t *in = (const int8_t *)th_tensor_data(e, p[FC_IN]);
    const int8_t *w = (const int8_t *)th_tensor_data(e, p[FC_FILT]);
    const int32_t *bias = p[FC_BIAS] >= 0 ? (const int32_t *)th_tensor_data(e, p[FC_BIAS]) : 0;
    const int32_t *mult = (const int32_t *)th_tensor_data(e, p[FC_MULT]);
    const int32_t *shift = (const int32_t *)th_tensor_data(e, p[FC_SHIFT]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[FC_OUT]);
    const int32_t depth = p[FC_DEPTH], out_c = p[FC_OUT_C];
    for (int32_t b = 0; b < p[FC_BATCH]; b++) {
        const int8_t *x = in + b * depth;
        for (int32_t oc = 0; oc < out_c; oc++) {
            const int8_t *wr = w + oc * depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; d++) {
                acc += ((int32_t)wr[d] + p[FC_FILT_OFFSET]) * ((int32_t)x[d] + p[FC_IN_OFFSET]);
            }
            if (bias) {
                acc += bias[oc];
            }
            acc = th_mbqm(acc, mult[oc], shift[oc]) + p[FC_OUT_OFFSET];
            out[b * out_c + oc] = (int8_t)th_clamp(acc, p[FC_ACT_MIN], p[FC_ACT_MAX]);
        }
    }
}

void th_run_fully_connected(th_engine_t *e, const int32_t *p) {
#if TH_USE_DSP
    if (p[FC_KSUM] >= 0) {
        th_fully_connected_dsp(e, p);
        return;
    }
#endif
    fully_connected_reference(e, p);
}
