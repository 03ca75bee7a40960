/* ADD with broadcasting: both inputs rescaled to a common scale with 20 bits of headroom. */
#include "th_fixedpoint.h"
#include "th_ops.h"

static int shift_ok(int32_t s) { return s >= -31 && s <= 30; }

int th_check_add(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    return n == ADD_NPARAMS && th_check_broadcast(v, p) && p[ADD_LEFT_SHIFT] >= 0 && p[ADD_LEFT_SHIFT] <= 24 &&
           shift_ok(p[ADD_SH1]) && shift_ok(p[ADD_SH2]) && shift_ok(p[ADD_SHO]) && p[ADD_ACT_MIN] >= -128 &&
           p[ADD_ACT_MAX] <= 127 && p[ADD_ACT_MIN] <= p[ADD_ACT_MAX];
}

void th_run_add(th_engine_t *e, const int32_t *p) {
    const int8_t *a = (const int8_t *)th_tensor_data(e, p[EW_IN1]);
    const int8_t *b = (const int8_t *)th_tensor_data(e, p[EW_IN2]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[EW_OUT]);
    const int32_t *d = &p[EW_D0], *s1 = &p[EW_S1_0], *s2 = &p[EW_S2_0];
    const int ls = p[ADD_LEFT_SHIFT];
    int32_t o = 0;
    for (int32_t i0 = 0; i0 < d[0]; i0++) {
        for (int32_t i1 = 0; i1 < d[1]; i1++) {
            for (int32_t i2 = 0; i2 < d[2]; i2++) {
                const int32_t base1 = i0 * s1[0] + i1 * s1[1] + i2 * s1[2];
                const int32_t base2 = i0 * s2[0] + i1 * s2[1] + i2 * s2[2];
                for (int32_t i3 = 0; i3 < d[3]; i3++) {
                    const int32_t x1 = th_shl((int32_t)a[base1 + i3 * s1[3]] + p[EW_IN1_OFFSET], ls);
                    const int32_t x2 = th_shl((int32_t)b[base2 + i3 * s2[3]] + p[EW_IN2_OFFSET], ls);
                    const int32_t sum = th_mbqm(x1, p[ADD_M1], p[ADD_SH1]) + th_mbqm(x2, p[ADD_M2], p[ADD_SH2]);
                    const int32_t r = th_mbqm(sum, p[ADD_MO], p[ADD_SHO]) + p[EW_OUT_OFFSET];
                    out[o++] = (int8_t)th_clamp(r, p[ADD_ACT_MIN], p[ADD_ACT_MAX]);
                }
            }
        }
    }
}
