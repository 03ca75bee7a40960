/* Engine runtime: binds a validated plan to a caller-owned arena and runs its ops in order. */
#include <string.h>

#include "th_engine_impl.h"

const char *th_strerror(int err) {
    switch (err) {
    case TH_OK: return "ok";
    case TH_ERR_MAGIC: return "not a tinyhil plan (bad magic)";
    case TH_ERR_VERSION: return "unsupported plan format version";
    case TH_ERR_CHECKSUM: return "plan CRC mismatch (corrupt or truncated)";
    case TH_ERR_TRUNCATED: return "plan section or tensor outside its bounds";
    case TH_ERR_ARENA: return "arena smaller than the plan needs";
    case TH_ERR_OP: return "unknown op or bad op parameters";
    case TH_ERR_TENSOR: return "bad tensor index or tensor not readable now";
    case TH_ERR_STATE: return "engine not initialised";
    case TH_ERR_ALIGN: return "plan or arena not 4-byte aligned";
    default: return "unknown error";
    }
}

uint32_t th_engine_state_bytes(void) { return (uint32_t)sizeof(th_engine_t); }

int th_engine_ops_done(const th_engine_t *eng) {
    return (eng != NULL && eng->ready == TH_ENGINE_READY) ? eng->ops_done : TH_ERR_STATE;
}

int th_engine_init(th_engine_t *eng, const uint8_t *plan, uint32_t plan_len, uint8_t *arena,
                   uint32_t arena_size) {
    if (eng == NULL) {
        return TH_ERR_STATE;
    }
    memset(eng, 0, sizeof(*eng));
    th_plan_view_t v;
    const int rc = th_plan_view(plan, plan_len, &v);
    if (rc != TH_OK) {
        return rc;
    }
    if (arena == NULL || arena_size < v.hdr->arena_bytes) {
        return TH_ERR_ARENA;
    }
    if (((uintptr_t)arena & 3u) != 0) {
        return TH_ERR_ALIGN;
    }
    eng->view = v;
    eng->arena = arena;
    eng->arena_size = arena_size;
    eng->ops_done = -1;
    eng->ready = TH_ENGINE_READY;
    return TH_OK;
}

void *th_tensor_data(th_engine_t *e, int32_t tensor) {
    const th_tensor_entry_t *t = &e->view.tensors[tensor];
    if (t->location == TH_LOC_WEIGHTS) {
        return (void *)(uintptr_t)(e->view.weights + t->offset);
    }
    return e->arena + t->offset;
}

uint8_t *th_engine_input(th_engine_t *eng, uint32_t *bytes) {
    if (eng == NULL || eng->ready != TH_ENGINE_READY) {
        return NULL;
    }
    const uint16_t idx = eng->view.hdr->input_tensor;
    if (bytes != NULL) {
        *bytes = eng->view.tensors[idx].bytes;
    }
    return (uint8_t *)th_tensor_data(eng, idx);
}

const uint8_t *th_engine_output(th_engine_t *eng, uint32_t *bytes) {
    if (eng == NULL || eng->ready != TH_ENGINE_READY) {
        return NULL;
    }
    const uint16_t idx = eng->view.hdr->output_tensor;
    if (bytes != NULL) {
        *bytes = eng->view.tensors[idx].bytes;
    }
    return (const uint8_t *)th_tensor_data(eng, idx);
}

static int run_ops(th_engine_t *eng, uint32_t first, uint32_t last) {
    for (uint32_t i = first; i <= last; i++) {
        const th_op_entry_t *op = &eng->view.ops[i];
        const th_op_kernel_t *k = th_op_kernel(op->opcode);
        k->run(eng, (const int32_t *)(const void *)(eng->view.params + op->params_off));
        eng->ops_done = (int32_t)i + 1;
    }
    return TH_OK;
}

int th_engine_invoke(th_engine_t *eng) {
    if (eng == NULL || eng->ready != TH_ENGINE_READY) {
        return TH_ERR_STATE;
    }
    eng->ops_done = 0;
    if (eng->view.hdr->n_ops == 0) {
        return TH_OK;
    }
    return run_ops(eng, 0, eng->view.hdr->n_ops - 1u);
}

int th_engine_invoke_until(th_engine_t *eng, uint16_t last_op) {
    if (eng == NULL || eng->ready != TH_ENGINE_READY) {
        return TH_ERR_STATE;
    }
    if (last_op >= eng->view.hdr->n_ops) {
        return TH_ERR_OP;
    }
    eng->ops_done = 0;
    return run_ops(eng, 0, last_op);
}

int th_engine_tensor(th_engine_t *eng, uint16_t tensor_index, const uint8_t **data, uint32_t *bytes) {
    if (eng == NULL || eng->ready != TH_ENGINE_READY) {
        return TH_ERR_STATE;
    }
    if (tensor_index >= eng->view.hdr->n_tensors || data == NULL) {
        return TH_ERR_TENSOR;
    }
    const th_tensor_entry_t *t = &eng->view.tensors[tensor_index];
    if (t->location == TH_LOC_ARENA) {
        const int32_t done = eng->ops_done;
        /* written yet (model inputs count as written once an invocation started)? */
        if (t->producer != TH_NO_OP && done < (int32_t)t->producer + 1) {
            return TH_ERR_TENSOR;
        }
        /* memory not yet reused by a later op? */
        if (t->clobber != TH_NO_OP && done > (int32_t)t->clobber) {
            return TH_ERR_TENSOR;
        }
    }
    *data = (const uint8_t *)th_tensor_data(eng, tensor_index);
    if (bytes != NULL) {
        *bytes = t->bytes;
    }
    return TH_OK;
}
