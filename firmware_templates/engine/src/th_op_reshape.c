/* RESHAPE: free when the planner aliased input and output, a copy otherwise. */
#include <string.h>

#include "th_ops.h"

int th_check_reshape(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n != RS_NPARAMS || p[RS_IN] < 0 || p[RS_IN] >= (int32_t)v->hdr->n_tensors) {
        return 0;
    }
    const uint8_t type = v->tensors[p[RS_IN]].type;
    return p[RS_BYTES] > 0 && th_check_tensor(v, p[RS_IN], type, (uint32_t)p[RS_BYTES]) &&
           th_check_output(v, p[RS_OUT], type, (uint32_t)p[RS_BYTES]);
}

void th_run_reshape(th_engine_t *e, const int32_t *p) {
    const void *in = th_tensor_data(e, p[RS_IN]);
    void *out = th_tensor_data(e, p[RS_OUT]);
    if (in != out) {
        memmove(out, in, (size_t)p[RS_BYTES]);
    }
}
