/* Plan validation: magic, version, CRC, section bounds, tensor bounds and every op's params. */
#include <string.h>

#include "th_engine_impl.h"

uint32_t th_crc32(const uint8_t *data, uint32_t len) {
    uint32_t crc = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return crc ^ 0xFFFFFFFFu;
}

static int section_ok(uint32_t off, uint64_t bytes, uint32_t plan_bytes) {
    return (off & 3u) == 0 && (uint64_t)off + bytes <= plan_bytes;
}

uint32_t th_dims_product(const int32_t *dims, int n) {
    uint64_t p = 1;
    for (int i = 0; i < n; i++) {
        if (dims[i] <= 0) {
            return 0;
        }
        p *= (uint64_t)dims[i];
        if (p > 0x7FFFFFFFu) {
            return 0;
        }
    }
    return (uint32_t)p;
}

int th_check_tensor(const th_plan_view_t *v, int32_t t, uint8_t type, uint32_t bytes) {
    if (t < 0 || t >= (int32_t)v->hdr->n_tensors) {
        return 0;
    }
    const th_tensor_entry_t *e = &v->tensors[t];
    return e->type == type && e->bytes == bytes && bytes > 0;
}

int th_check_opt_tensor(const th_plan_view_t *v, int32_t t, uint8_t type, uint32_t bytes) {
    return t == TH_NO_TENSOR || th_check_tensor(v, t, type, bytes);
}

int th_check_output(const th_plan_view_t *v, int32_t t, uint8_t type, uint32_t bytes) {
    return th_check_tensor(v, t, type, bytes) && v->tensors[t].location == TH_LOC_ARENA;
}

int th_check_scratch(const th_plan_view_t *v, int32_t off, int32_t bytes) {
    if (bytes == 0) {
        return 1;
    }
    return off >= 0 && bytes > 0 && (off & 3) == 0 &&
           (uint64_t)(uint32_t)off + (uint32_t)bytes <= v->hdr->arena_bytes;
}

static int parse_view(const uint8_t *plan, uint32_t plan_len, th_plan_view_t *v) {
    if (plan == NULL) {
        return TH_ERR_MAGIC;
    }
    if (((uintptr_t)plan & 3u) != 0) {
        return TH_ERR_ALIGN;
    }
    if (plan_len < sizeof(th_plan_header_t)) {
        return TH_ERR_TRUNCATED;
    }
    const th_plan_header_t *h = (const th_plan_header_t *)(const void *)plan;
    if (h->magic != TH_PLAN_MAGIC) {
        return TH_ERR_MAGIC;
    }
    if (h->version != TH_PLAN_VERSION) {
        return TH_ERR_VERSION;
    }
    if (h->plan_bytes > plan_len || h->plan_bytes < sizeof(th_plan_header_t)) {
        return TH_ERR_TRUNCATED;
    }
    if (th_crc32(plan + TH_PLAN_CRC_START, h->plan_bytes - TH_PLAN_CRC_START) != h->crc32) {
        return TH_ERR_CHECKSUM;
    }
    const uint32_t n = h->plan_bytes;
    if (!section_ok(h->tensors_off, (uint64_t)h->n_tensors * sizeof(th_tensor_entry_t), n) ||
        !section_ok(h->ops_off, (uint64_t)h->n_ops * sizeof(th_op_entry_t), n) ||
        !section_ok(h->params_off, h->params_bytes, n) || !section_ok(h->weights_off, h->weights_bytes, n)) {
        return TH_ERR_TRUNCATED;
    }
    v->plan = plan;
    v->hdr = h;
    v->tensors = (const th_tensor_entry_t *)(const void *)(plan + h->tensors_off);
    v->ops = (const th_op_entry_t *)(const void *)(plan + h->ops_off);
    v->params = plan + h->params_off;
    v->weights = plan + h->weights_off;
    return TH_OK;
}

static int check_tensors(const th_plan_view_t *v) {
    const th_plan_header_t *h = v->hdr;
    if (h->n_tensors == 0 || h->input_tensor >= h->n_tensors || h->output_tensor >= h->n_tensors) {
        return TH_ERR_TENSOR;
    }
    for (uint32_t i = 0; i < h->n_tensors; i++) {
        const th_tensor_entry_t *t = &v->tensors[i];
        if (t->type > TH_TYPE_INT32) {
            return TH_ERR_TENSOR;
        }
        const uint32_t limit = t->location == TH_LOC_ARENA     ? h->arena_bytes
                               : t->location == TH_LOC_WEIGHTS ? h->weights_bytes
                                                               : 0;
        if (t->location > TH_LOC_WEIGHTS || (uint64_t)t->offset + t->bytes > limit) {
            return TH_ERR_TRUNCATED;
        }
        if (t->type != TH_TYPE_INT8 && (t->offset & 3u) != 0) {
            return TH_ERR_ALIGN;
        }
        if ((t->producer != TH_NO_OP && t->producer >= h->n_ops) ||
            (t->clobber != TH_NO_OP && t->clobber >= h->n_ops)) {
            return TH_ERR_TENSOR;
        }
    }
    if (v->tensors[h->input_tensor].location != TH_LOC_ARENA ||
        v->tensors[h->output_tensor].location != TH_LOC_ARENA) {
        return TH_ERR_TENSOR;
    }
    return TH_OK;
}

static int check_ops(const th_plan_view_t *v) {
    const th_plan_header_t *h = v->hdr;
    for (uint32_t i = 0; i < h->n_ops; i++) {
        const th_op_entry_t *op = &v->ops[i];
        const th_op_kernel_t *k = th_op_kernel(op->opcode);
        if (k == NULL) {
            return TH_ERR_OP;
        }
        if ((op->params_off & 3u) != 0 || (uint64_t)op->params_off + 4u * op->n_params > h->params_bytes) {
            return TH_ERR_TRUNCATED;
        }
        const int32_t *p = (const int32_t *)(const void *)(v->params + op->params_off);
        if (!k->check(v, p, op->n_params)) {
            return TH_ERR_OP;
        }
    }
    return TH_OK;
}

int th_plan_view(const uint8_t *plan, uint32_t plan_len, th_plan_view_t *v) {
    int rc = parse_view(plan, plan_len, v);
    if (rc == TH_OK) {
        rc = check_tensors(v);
    }
    if (rc == TH_OK) {
        rc = check_ops(v);
    }
    return rc;
}

int th_plan_validate(const uint8_t *plan, uint32_t plan_len, th_plan_info_t *info) {
    th_plan_view_t v;
    const int rc = th_plan_view(plan, plan_len, &v);
    if (rc != TH_OK) {
        return rc;
    }
    if (info != NULL) {
        const th_plan_header_t *h = v.hdr;
        memset(info, 0, sizeof(*info));
        info->format_version = h->version;
        info->plan_bytes = h->plan_bytes;
        info->plan_crc32 = h->crc32;
        info->arena_bytes = h->arena_bytes;
        info->weights_bytes = h->weights_bytes;
        info->n_ops = h->n_ops;
        info->n_tensors = h->n_tensors;
        info->input_bytes = v.tensors[h->input_tensor].bytes;
        info->output_bytes = v.tensors[h->output_tensor].bytes;
        info->input_type = v.tensors[h->input_tensor].type;
        info->output_type = v.tensors[h->output_tensor].type;
    }
    return TH_OK;
}
