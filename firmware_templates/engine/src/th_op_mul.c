/* MUL with broadcasting. */
#include "th_fixedpoint.h"
#include "th_ops.h"

int th_check_mul(const th_plan_view_t *v, const int32_t *p, uint32_t n) {
    return n == MUL_NPARAMS && th_check_broadcast(v, p) && p[MUL_SHIFT] >= -31 && p[MUL_SHIFT] <= 30 &&
           p[MUL_ACT_MIN] >= -128 && p[MUL_ACT_MAX] <= 127 && p[MUL_ACT_MIN] <= p[MUL_ACT_MAX];
}

void th_run_mul(th_engine_t *e, const int32_t *p) {
    const int8_t *a = (const int8_t *)th_tensor_data(e, p[EW_IN1]);
    const int8_t *b = (const int8_t *)th_tensor_data(e, p[EW_IN2]);
    int8_t *out = (int8_t *)th_tensor_data(e, p[EW_OUT]);
    const int32_t *d = &p[EW_D0], *s1 = &p[EW_S1_0], *s2 = &p[EW_S2_0];
    int32_t o = 0;
    for (int32_t i0 = 0; i0 < d[0]; i0++) {
        for (int32_t i1 = 0; i1 < d[1]; i1++) {
            for (int32_t i2 = 0; i2 < d[2]; i2++) {
                const int32_t base1 = i0 * s1[0] + i1 * s1[1] + i2 * s1[2];
                const int32_t base2 = i0 * s2[0] + i1 * s2[1] + i2 * s2[2];
                for (int32_t i3 = 0; i3 < d[3]; i3++) {
                    const int32_t x1 = (int32_t)a[base1 + i3 * s1[3]] + p[EW_IN1_OFFSET];
                    const int32_t x2 = (int32_t)b[base2 + i3 * s2[3]] + p[EW_IN2_OFFSET];
                    const int32_t r = th_mbqm(x1 * x2, p[MUL_MULT], p[MUL_SHIFT]) + p[EW_OUT_OFFSET];
                    out[o++] = (int8_t)th_clamp(r, p[MUL_ACT_MIN], p[MUL_ACT_MAX]);
                }
            }
        }
    }
}
