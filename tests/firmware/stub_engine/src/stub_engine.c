/*
 * Test-only stub engine with the th_engine.h API, so the DUT firmware and protocol can be tested
 * before (and independently of) the real int8 engine. Its "plan":
 *
 *   0 u32 magic 0x42555453 ("STUB")   4 u32 version (1)   8 u32 plan bytes   12 u32 CRC-32 of
 *   bytes 16..end   16 u32 input bytes   20 u32 output bytes   24 u32 rounds
 *
 * Op 0: hidden[i] = input[i] ^ 0x5A, repeated `rounds` times (work to time).
 * Op 1: output[j] = int8 saturate(sum of hidden[i] as int8 for i % output_bytes == j).
 * Tensors: 0 input, 1 hidden, 2 output.
 * rounds == 0xDEADDEAD: the invocation executes an undefined instruction (tests the fault path).
 * Version 2: float32 output, output_bytes / 4 values out[j] = (sum as in op 1) / 8.
 */
#include <stdint.h>
#include <string.h>

#include "th_engine.h"
#include "th_engine_impl.h"

#define STUB_MAGIC 0x42555453u
#define STUB_HEADER 28u
#define STUB_FAULT_ROUNDS 0xDEADDEADu

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t crc32(const uint8_t *d, uint32_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t i = 0u; i < n; ++i) {
        c ^= d[i];
        for (int b = 0; b < 8; ++b) {
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        }
    }
    return ~c;
}

static uint32_t align16(uint32_t v) { return (v + 15u) & ~15u; }

const char *th_strerror(int err)
{
    switch (err) {
    case TH_OK: return "ok";
    case TH_ERR_MAGIC: return "not a plan (bad magic)";
    case TH_ERR_VERSION: return "unsupported plan version";
    case TH_ERR_CHECKSUM: return "plan checksum mismatch";
    case TH_ERR_TRUNCATED: return "plan truncated";
    case TH_ERR_ARENA: return "arena too small";
    case TH_ERR_OP: return "bad op";
    case TH_ERR_TENSOR: return "bad tensor";
    case TH_ERR_STATE: return "engine not initialised";
    default: return "unknown error";
    }
}

int th_plan_validate(const uint8_t *plan, uint32_t plan_len, th_plan_info_t *info)
{
    memset(info, 0, sizeof(*info));
    if (plan_len < STUB_HEADER || rd32(plan) != STUB_MAGIC) {
        return TH_ERR_MAGIC;
    }
    uint32_t version = rd32(plan + 4);
    if (version != 1u && version != 2u) {
        return TH_ERR_VERSION;
    }
    uint32_t bytes = rd32(plan + 8);
    if (bytes < STUB_HEADER || bytes > plan_len) {
        return TH_ERR_TRUNCATED;
    }
    info->plan_bytes = bytes;
    info->plan_crc32 = crc32(plan + 16, bytes - 16u);
    if (info->plan_crc32 != rd32(plan + 12)) {
        return TH_ERR_CHECKSUM;
    }
    info->format_version = version;
    info->input_bytes = rd32(plan + 16);
    info->output_bytes = rd32(plan + 20);
    if (info->input_bytes == 0u || info->output_bytes == 0u ||
        (version == 2u && (info->output_bytes % 4u) != 0u)) {
        return TH_ERR_OP;
    }
    info->n_ops = 2u;
    info->n_tensors = 3u;
    info->arena_bytes = 2u * align16(info->input_bytes) + align16(info->output_bytes);
    info->weights_bytes = 0u;
    info->input_type = TH_TYPE_INT8;
    info->output_type = version == 2u ? TH_TYPE_FLOAT32 : TH_TYPE_INT8;
    return TH_OK;
}

int th_engine_init(th_engine_t *eng, const uint8_t *plan, uint32_t plan_len, uint8_t *arena,
                   uint32_t arena_size)
{
    th_plan_info_t info;
    int rc = th_plan_validate(plan, plan_len, &info);
    memset(eng, 0, sizeof(*eng));
    if (rc != TH_OK) {
        return rc;
    }
    if (arena_size < info.arena_bytes) {
        return TH_ERR_ARENA;
    }
    eng->plan = plan;
    eng->arena = arena;
    eng->input_bytes = info.input_bytes;
    eng->output_bytes = info.output_bytes;
    eng->hidden_offset = align16(info.input_bytes);
    eng->output_offset = 2u * align16(info.input_bytes);
    eng->ready = 1u;
    return TH_OK;
}

uint8_t *th_engine_input(th_engine_t *eng, uint32_t *bytes)
{
    if (!eng->ready) {
        return 0;
    }
    *bytes = eng->input_bytes;
    eng->ops_done = 0u;
    return eng->arena;
}

const uint8_t *th_engine_output(th_engine_t *eng, uint32_t *bytes)
{
    if (!eng->ready) {
        return 0;
    }
    *bytes = eng->output_bytes;
    return eng->arena + eng->output_offset;
}

int th_engine_invoke_until(th_engine_t *eng, uint16_t last_op)
{
    if (!eng->ready) {
        return TH_ERR_STATE;
    }
    if (last_op > 1u) {
        return TH_ERR_OP;
    }
    uint8_t *in = eng->arena;
    uint8_t *hidden = eng->arena + eng->hidden_offset;
    int8_t *out = (int8_t *)(eng->arena + eng->output_offset);
    uint32_t rounds = rd32(eng->plan + 24);
    if (rounds == STUB_FAULT_ROUNDS) {
        __builtin_trap();
    }
    for (uint32_t r = 0u; r <= rounds; ++r) {
        for (uint32_t i = 0u; i < eng->input_bytes; ++i) {
            hidden[i] = (uint8_t)(in[i] ^ 0x5Au);
        }
    }
    eng->ops_done = 1u;
    if (last_op == 0u) {
        return TH_OK;
    }
    int is_float = rd32(eng->plan + 4) == 2u;
    uint32_t n_out = is_float ? eng->output_bytes / 4u : eng->output_bytes;
    for (uint32_t j = 0u; j < n_out; ++j) {
        int32_t acc = 0;
        for (uint32_t i = j; i < eng->input_bytes; i += n_out) {
            acc += (int8_t)hidden[i];
        }
        if (is_float) {
            float f = (float)acc / 8.0f;
            memcpy((uint8_t *)out + 4u * j, &f, sizeof(f));
        } else {
            out[j] = (int8_t)(acc > 127 ? 127 : (acc < -128 ? -128 : acc));
        }
    }
    eng->ops_done = 2u;
    return TH_OK;
}

int th_engine_invoke(th_engine_t *eng) { return th_engine_invoke_until(eng, 1u); }

int th_engine_tensor(th_engine_t *eng, uint16_t tensor_index, const uint8_t **data, uint32_t *bytes)
{
    if (!eng->ready) {
        return TH_ERR_STATE;
    }
    switch (tensor_index) {
    case 0u:
        *data = eng->arena;
        *bytes = eng->input_bytes;
        return TH_OK;
    case 1u:
        if (eng->ops_done < 1u) {
            return TH_ERR_TENSOR;
        }
        *data = eng->arena + eng->hidden_offset;
        *bytes = eng->input_bytes;
        return TH_OK;
    case 2u:
        if (eng->ops_done < 2u) {
            return TH_ERR_TENSOR;
        }
        *data = eng->arena + eng->output_offset;
        *bytes = eng->output_bytes;
        return TH_OK;
    default:
        return TH_ERR_TENSOR;
    }
}
