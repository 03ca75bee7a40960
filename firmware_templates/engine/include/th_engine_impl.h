/*
 * tinyhil engine internals: the plan format, the engine state and the kernel interface.
 *
 * Plan layout (little-endian, 4-byte aligned sections):
 *   th_plan_header_t (64 bytes)
 *   tensor table   n_tensors x th_tensor_entry_t (16 bytes)
 *   op table       n_ops x th_op_entry_t (8 bytes)
 *   params         int32 words, one block per op (layouts below)
 *   weights        constant tensors (int8 weights, int32 biases, multipliers, shifts), 4-aligned
 * The CRC32 (IEEE, reflected, init/xorout 0xFFFFFFFF) covers bytes [16, plan_bytes).
 *
 * The Python writer (harness/engine/plan_format.py) mirrors every constant in this file.
 */
#ifndef TH_ENGINE_IMPL_H
#define TH_ENGINE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "th_engine.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TH_PLAN_MAGIC 0x4C504854u /* "THPL" */
#define TH_PLAN_VERSION 1u
#define TH_PLAN_CRC_START 16u
#define TH_NO_TENSOR (-1)
#define TH_NO_OP 0xFFFFu

typedef struct {
    uint32_t magic;
    uint32_t version;
    uint32_t plan_bytes;
    uint32_t crc32;
    uint32_t arena_bytes;
    uint32_t tensors_off;
    uint32_t ops_off;
    uint32_t params_off;
    uint32_t params_bytes;
    uint32_t weights_off;
    uint32_t weights_bytes;
    uint16_t n_ops;
    uint16_t n_tensors;
    uint16_t input_tensor;
    uint16_t output_tensor;
    uint32_t reserved[3];
} th_plan_header_t;

enum { TH_LOC_ARENA = 0, TH_LOC_WEIGHTS = 1 };

typedef struct {
    uint8_t type;      /* TH_TYPE_* */
    uint8_t location;  /* TH_LOC_* */
    uint16_t producer; /* op writing it, TH_NO_OP for model inputs and constants */
    uint16_t clobber;  /* first op (after producer) that overwrites its memory, TH_NO_OP if none */
    uint16_t reserved;
    uint32_t offset;   /* in the arena or in the weights section */
    uint32_t bytes;
} th_tensor_entry_t;

typedef struct {
    uint16_t opcode;   /* TH_OP_* */
    uint16_t n_params; /* int32 words */
    uint32_t params_off; /* byte offset inside the params section, 4-aligned */
} th_op_entry_t;

enum {
    TH_OP_CONV_2D = 1,
    TH_OP_DEPTHWISE_CONV_2D = 2,
    TH_OP_FULLY_CONNECTED = 3,
    TH_OP_AVERAGE_POOL_2D = 4,
    TH_OP_MAX_POOL_2D = 5,
    TH_OP_ADD = 6,
    TH_OP_MUL = 7,
    TH_OP_MEAN = 8,
    TH_OP_PAD = 9,
    TH_OP_RESHAPE = 10,
    TH_OP_CONCATENATION = 11,
    TH_OP_SOFTMAX = 12,
    TH_OP_LOGISTIC = 13,
    TH_OP_RELU = 14,
    TH_OP_RELU6 = 15,
    TH_OP_QUANTIZE = 16,
    TH_OP_DEQUANTIZE = 17,
    TH_OP_COUNT = 18
};

/* CONV_2D and DEPTHWISE_CONV_2D parameters. KSUM: optional int32[out_c] bias with the input
 * offset folded in (bias + in_offset * sum(filter)) for the DSP conv kernel; for depthwise the
 * plain bias. WDSP: optional depthwise weights regrouped for the DSP kernel as
 * [out_c / 4][k_h][k_w][4] (int8). */
enum {
    CV_IN, CV_FILT, CV_BIAS, CV_OUT, CV_MULT, CV_SHIFT, CV_KSUM, CV_SCRATCH_OFF, CV_SCRATCH_BYTES,
    CV_BATCH, CV_IN_H, CV_IN_W, CV_IN_C, CV_OUT_H, CV_OUT_W, CV_OUT_C, CV_K_H, CV_K_W,
    CV_STRIDE_H, CV_STRIDE_W, CV_DIL_H, CV_DIL_W, CV_PAD_H, CV_PAD_W, CV_IN_OFFSET, CV_OUT_OFFSET,
    CV_ACT_MIN, CV_ACT_MAX, CV_DEPTH_MULT, CV_WDSP, CV_NPARAMS
};

/* FULLY_CONNECTED: MULT and SHIFT are int32[out_c] constant tensors (per-tensor models repeat
 * the one value). */
enum {
    FC_IN, FC_FILT, FC_BIAS, FC_OUT, FC_KSUM, FC_SCRATCH_OFF, FC_SCRATCH_BYTES, FC_BATCH, FC_DEPTH,
    FC_OUT_C, FC_IN_OFFSET, FC_FILT_OFFSET, FC_OUT_OFFSET, FC_MULT, FC_SHIFT, FC_ACT_MIN, FC_ACT_MAX,
    FC_NPARAMS
};

enum {
    PL_IN, PL_OUT, PL_BATCH, PL_IN_H, PL_IN_W, PL_C, PL_OUT_H, PL_OUT_W, PL_K_H, PL_K_W,
    PL_STRIDE_H, PL_STRIDE_W, PL_PAD_H, PL_PAD_W, PL_ACT_MIN, PL_ACT_MAX, PL_NPARAMS
};

/* ADD and MUL share the broadcast description: 4-d output dims, element strides per input
 * (0 on broadcast axes). */
enum {
    EW_IN1, EW_IN2, EW_OUT, EW_D0, EW_D1, EW_D2, EW_D3, EW_S1_0, EW_S1_1, EW_S1_2, EW_S1_3,
    EW_S2_0, EW_S2_1, EW_S2_2, EW_S2_3, EW_IN1_OFFSET, EW_IN2_OFFSET, EW_OUT_OFFSET,
    EW_COMMON
};
enum {
    ADD_LEFT_SHIFT = EW_COMMON, ADD_M1, ADD_SH1, ADD_M2, ADD_SH2, ADD_MO, ADD_SHO, ADD_ACT_MIN,
    ADD_ACT_MAX, ADD_NPARAMS
};
enum { MUL_MULT = EW_COMMON, MUL_SHIFT, MUL_ACT_MIN, MUL_ACT_MAX, MUL_NPARAMS };

/* MEAN over a contiguous block of axes: input viewed as [outer, reduce, inner]; MULT/SHIFT
 * include the 1/reduce factor. */
enum { MN_IN, MN_OUT, MN_OUTER, MN_REDUCE, MN_INNER, MN_MULT, MN_SHIFT, MN_IN_ZP, MN_OUT_ZP, MN_NPARAMS };

enum {
    PD_IN, PD_OUT, PD_IN_D0, PD_IN_D1, PD_IN_D2, PD_IN_D3, PD_OUT_D0, PD_OUT_D1, PD_OUT_D2,
    PD_OUT_D3, PD_BEFORE_0, PD_BEFORE_1, PD_BEFORE_2, PD_BEFORE_3, PD_VALUE, PD_ELEM_BYTES,
    PD_NPARAMS
};

enum { RS_IN, RS_OUT, RS_BYTES, RS_NPARAMS };

/* CONCATENATION: CC_N pairs (tensor, bytes per outer slice) follow CC_FIRST. */
enum { CC_OUT, CC_OUTER, CC_N, CC_FIRST };

enum { SM_IN, SM_OUT, SM_ROWS, SM_DEPTH, SM_MULT, SM_SHIFT, SM_DIFF_MIN, SM_NPARAMS };
enum { LG_IN, LG_OUT, LG_SIZE, LG_IN_ZP, LG_RADIUS, LG_MULT, LG_SHIFT, LG_NPARAMS };
enum { RL_IN, RL_OUT, RL_SIZE, RL_IN_ZP, RL_OUT_ZP, RL_MULT, RL_SHIFT, RL_ACT_MIN, RL_ACT_MAX, RL_NPARAMS };
enum { R6_IN, R6_OUT, R6_SIZE, R6_LO, R6_HI, R6_NPARAMS };
/* QUANTIZE: MODE 0 = float32 -> int8 (SCALE is a float64 bit pattern in two words, low first),
 * MODE 1 = int8 -> int8 requantisation with MULT/SHIFT. */
enum {
    QZ_IN, QZ_OUT, QZ_SIZE, QZ_MODE, QZ_IN_ZP, QZ_OUT_ZP, QZ_MULT, QZ_SHIFT, QZ_SCALE_LO,
    QZ_SCALE_HI, QZ_NPARAMS
};
enum { DQ_IN, DQ_OUT, DQ_SIZE, DQ_ZP, DQ_SCALE_LO, DQ_SCALE_HI, DQ_NPARAMS };

/* A parsed view of a plan (pointers into it). */
typedef struct {
    const uint8_t *plan;
    const th_plan_header_t *hdr;
    const th_tensor_entry_t *tensors;
    const th_op_entry_t *ops;
    const uint8_t *params;
    const uint8_t *weights;
} th_plan_view_t;

struct th_engine {
    th_plan_view_t view;
    uint8_t *arena;
    uint32_t arena_size;
    int32_t ops_done;   /* ops run in the current invocation; -1 before the first */
    uint32_t ready;     /* TH_ENGINE_READY once initialised */
};

#define TH_ENGINE_READY 0x52454459u

/* Kernel interface: one check and one run function per op (src/th_op_*.c). */
typedef int (*th_op_check_fn)(const th_plan_view_t *v, const int32_t *p, uint32_t n);
typedef void (*th_op_run_fn)(th_engine_t *e, const int32_t *p);

typedef struct {
    th_op_check_fn check;
    th_op_run_fn run;
} th_op_kernel_t;

const th_op_kernel_t *th_op_kernel(uint16_t opcode);

/* Helpers shared by kernels (src/th_runtime.c). */
void *th_tensor_data(th_engine_t *e, int32_t tensor);
/* Pointer to `bytes` of scratch at an arena offset. */
static inline void *th_scratch(th_engine_t *e, int32_t offset) { return e->arena + offset; }

/* Check helpers (src/th_plan.c): tensor index valid, of `type`, exactly `bytes` long. */
int th_check_tensor(const th_plan_view_t *v, int32_t t, uint8_t type, uint32_t bytes);
/* The same for an optional tensor (TH_NO_TENSOR accepted). */
int th_check_opt_tensor(const th_plan_view_t *v, int32_t t, uint8_t type, uint32_t bytes);
/* Tensor is an arena tensor (writable). */
int th_check_output(const th_plan_view_t *v, int32_t t, uint8_t type, uint32_t bytes);
/* Scratch region [off, off + bytes) inside the arena; bytes may be 0. */
int th_check_scratch(const th_plan_view_t *v, int32_t off, int32_t bytes);
/* Product of positive dims with overflow check; 0 on error. */
uint32_t th_dims_product(const int32_t *dims, int n);

uint32_t th_crc32(const uint8_t *data, uint32_t len);

/* Parse and fully validate a plan into a view (src/th_plan.c). */
int th_plan_view(const uint8_t *plan, uint32_t plan_len, th_plan_view_t *v);

#ifdef __cplusplus
}
#endif

#endif /* TH_ENGINE_IMPL_H */
