/* CONCATENATION: interleaves each input's slice per outer index (inputs share quantisation). */
#include <string.h>

#include "th_ops.h"

int th_check_concatenation(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    if (n < CC_FIRST || p[CC_N] < 1 || n != (uint32_t)(CC_FIRST + 2 * p[CC_N]) || p[CC_OUTER] < 1 ||
        p[CC_OUT] < 0 || p[CC_OUT] >= (int32_t)v->hdr->n_tensors) {
        return 0;
    }
    const uint8_t type = v->tensors[p[CC_OUT]].type;
    uint64_t total = 0;
    for (int32_t i = 0; i < p[CC_N]; i++) {
        const int32_t t = p[CC_FIRST + 2 * i], slice = p[CC_FIRST + 2 * i + 1];
        if (slice < 1 || !th_check_tensor(v, t, type, (uint32_t)slice * (uint32_t)p[CC_OUTER])) {
            return 0;
        }
        total += (uint64_t)slice * (uint64_t)p[CC_OUTER];
    }
    return total < 0x7FFFFFFFu && th_check_output(v, p[CC_OUT], type, (uint32_t)total);
}

void th_run_concatenation(th_engine_t *e, const int32_t *p) {
    uint8_t *out = (uint8_t *)th_tensor_data(e, p[CC_OUT]);
    for (int32_t o = 0; o < p[CC_OUTER]; o++) {
        for (int32_t i = 0; i < p[CC_N]; i++) {
            const int32_t slice = p[CC_FIRST + 2 * i + 1];
            const uint8_t *in = (const uint8_t *)th_tensor_data(e, p[CC_FIRST + 2 * i]);
            memcpy(out, in + (size_t)o * (size_t)slice, (size_t)slice);
            out += slice;
        }
    }
}
