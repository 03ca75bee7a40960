/* PAD (constant padding) for up to 4-d tensors of 1- or 4-byte elements. */
#include <string.h>

#include "th_ops.h"

int th_check_pad(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != PD_NPARAMS || (p[PD_ELEM_BYTES] != 1 && p[PD_ELEM_BYTES] != 4)) {
        return 0;
    }
    const uint32_t in_elems = th_dims_product(&p[PD_IN_D0], 4), out_elems = th_dims_product(&p[PD_OUT_D0], 4);
    if (in_elems == 0 || out_elems == 0) {
        return 0;
    }
    for (int i = 0; i < 4; i++) {
        if (p[PD_BEFORE_0 + i] < 0 || p[PD_BEFORE_0 + i] + p[PD_IN_D0 + i] > p[PD_OUT_D0 + i]) {
            return 0;
        }
    }
    const uint8_t type = p[PD_ELEM_BYTES] == 1 ? TH_TYPE_INT8 : (uint8_t)v->tensors[p[PD_IN] < 0 ? 0 : p[PD_IN]].type;
    if (p[PD_ELEM_BYTES] == 1 && (p[PD_VALUE] < -128 || p[PD_VALUE] > 127)) {
        return 0;
    }
    return th_check_tensor(v, p[PD_IN], type, in_elems * (uint32_t)p[PD_ELEM_BYTES]) &&
           th_check_output(v, p[PD_OUT], type, out_elems * (uint32_t)p[PD_ELEM_BYTES]);
}

void th_run_pad(th_engine_t *e, const int32_t *p) {
    const uint8_t *in = (const uint8_t *)th_tensor_data(e, p[PD_IN]);
    uint8_t *out = (uint8_t *)th_tensor_data(e, p[PD_OUT]);
    const int32_t *id = &p[PD_IN_D0], *od = &p[PD_OUT_D0], *bf = &p[PD_BEFORE_0];
    const int32_t eb = p[PD_ELEM_BYTES];
    const uint32_t out_elems = th_dims_product(od, 4);
    if (eb == 1) {
        memset(out, (uint8_t)(int8_t)p[PD_VALUE], out_elems);
    } else {
        for (uint32_t i = 0; i < out_elems; i++) {
            memcpy(out + 4u * i, &p[PD_VALUE], 4);
        }
    }
    const size_t row = (size_t)id[3] * (size_t)eb;
    for (int32_t a = 0; a < id[0]; a++) {
        for (int32_t b = 0; b < id[1]; b++) {
            for (int32_t c = 0; c < id[2]; c++) {
                const size_t src = (((size_t)a * id[1] + b) * id[2] + c) * row;
                const size_t dst =
                    ((((size_t)(a + bf[0]) * od[1] + (b + bf[1])) * od[2] + (c + bf[2])) * od[3] + bf[3]) * eb;
                memcpy(out + dst, in + src, row);
            }
        }
    }
}
