/*
 * tinyhil int8 engine: the runtime API that firmware (and the host test build) calls.
 *
 * A plan is the compiled form of a .tflite model (harness/engine compiles it on the host):
 * a versioned, checksummed, little-endian binary with the ops, their precomputed parameters,
 * a static arena layout and the weights. The engine never allocates: the caller owns the
 * engine state and the arena.
 *
 * Contract used by firmware_templates/dut (owned jointly; extend, do not break):
 *   th_plan_validate  -> 0 or a negative TH_ERR_*; fills info
 *   th_engine_init    -> binds a validated plan and an arena; 0 or TH_ERR_*
 *   th_engine_input / th_engine_output -> the model's input / output bytes (inside the arena)
 *   th_engine_invoke  -> runs every op
 *   th_engine_invoke_until -> runs ops [0, last_op] so th_engine_tensor can read an
 *                             intermediate tensor before a later op reuses its memory
 */
#ifndef TH_ENGINE_H
#define TH_ENGINE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TH_OK = 0,
    TH_ERR_MAGIC = -1,        /* not a tinyhil plan */
    TH_ERR_VERSION = -2,      /* plan format version not supported by this firmware */
    TH_ERR_CHECKSUM = -3,     /* CRC mismatch: corrupt or truncated plan */
    TH_ERR_TRUNCATED = -4,    /* a section points outside the plan */
    TH_ERR_ARENA = -5,        /* the plan needs more arena than the caller gave */
    TH_ERR_OP = -6,           /* unknown op code or bad op parameters */
    TH_ERR_TENSOR = -7,       /* bad tensor index or tensor not readable now */
    TH_ERR_STATE = -8,        /* engine not initialised */
    TH_ERR_ALIGN = -9,        /* plan or arena not 4-byte aligned */
};

enum { TH_TYPE_INT8 = 0, TH_TYPE_FLOAT32 = 1, TH_TYPE_INT32 = 2 };

typedef struct {
    uint32_t format_version;
    uint32_t plan_bytes;
    uint32_t plan_crc32;      /* also the plan's short identity ("plan hash") on the wire */
    uint32_t arena_bytes;     /* activation arena the plan needs */
    uint32_t weights_bytes;
    uint16_t n_ops;
    uint16_t n_tensors;
    uint32_t input_bytes;
    uint32_t output_bytes;
    uint8_t input_type;       /* TH_TYPE_* */
    uint8_t output_type;
    uint16_t reserved;
} th_plan_info_t;

struct th_engine;             /* defined in th_engine_impl.h; fixed size, caller-allocated */
typedef struct th_engine th_engine_t;

const char *th_strerror(int err);

/* Size of th_engine_t, for callers (e.g. the host ctypes glue) that cannot see th_engine_impl.h. */
uint32_t th_engine_state_bytes(void);

/* Number of ops executed so far in the current invocation (for diagnostics). */
int th_engine_ops_done(const th_engine_t *eng);

int th_plan_validate(const uint8_t *plan, uint32_t plan_len, th_plan_info_t *info);

int th_engine_init(th_engine_t *eng, const uint8_t *plan, uint32_t plan_len,
                   uint8_t *arena, uint32_t arena_size);

uint8_t *th_engine_input(th_engine_t *eng, uint32_t *bytes);
const uint8_t *th_engine_output(th_engine_t *eng, uint32_t *bytes);

int th_engine_invoke(th_engine_t *eng);
int th_engine_invoke_until(th_engine_t *eng, uint16_t last_op);

int th_engine_tensor(th_engine_t *eng, uint16_t tensor_index, const uint8_t **data,
                     uint32_t *bytes);

#ifdef __cplusplus
}
#endif

#endif /* TH_ENGINE_H */
