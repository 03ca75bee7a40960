/* Check/run entry points of every op kernel (one src/th_op_*.c file each). */
#ifndef TH_OPS_H
#define TH_OPS_H

#include "th_engine_impl.h"

#define TH_DECLARE_OP(name)                                                        \
    int th_check_##name(const th_plan_view_t *v, const int32_t *p, uint32_t n); \
    void th_run_##name(th_engine_t *e, const int32_t *p)

TH_DECLARE_OP(conv2d);
TH_DECLARE_OP(depthwise_conv2d);
TH_DECLARE_OP(fully_connected);
int th_check_pool2d(const th_plan_view_t *v, const int32_t *p, uint32_t n);
void th_run_average_pool2d(th_engine_t *e, const int32_t *p);
void th_run_max_pool2d(th_engine_t *e, const int32_t *p);
TH_DECLARE_OP(add);
TH_DECLARE_OP(mul);
TH_DECLARE_OP(mean);
TH_DECLARE_OP(pad);
TH_DECLARE_OP(reshape);
TH_DECLARE_OP(concatenation);
TH_DECLARE_OP(softmax);
TH_DECLARE_OP(logistic);
TH_DECLARE_OP(relu);
TH_DECLARE_OP(relu6);
TH_DECLARE_OP(quantize);
TH_DECLARE_OP(dequantize);

/* Per-channel requantisation multipliers (a weights tensor of `count` int32) all >= 0. */
int th_check_multipliers(const th_plan_view_t *v, int32_t t, int32_t count);

/* Helpers for the element-wise ops (src/th_elementwise.c). */
int th_check_broadcast(const th_plan_view_t *v, const int32_t *p);

#endif /* TH_OPS_H */
