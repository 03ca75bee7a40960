#include "th_plan_slot.h"

static uint32_t th_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t th_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

uint32_t th_slot_crc32(const uint8_t *data, uint32_t len)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (uint32_t i = 0u; i < len; ++i) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

int th_slot_read(const uint8_t *slot, uint32_t slot_bytes, th_slot_t *out)
{
    out->plan = 0;
    out->plan_bytes = 0u;
    out->model[0] = '\0';
    if (slot_bytes < TH_SLOT_HEADER_BYTES || th_le32(slot) != TH_SLOT_MAGIC) {
        return TH_SLOT_EMPTY;
    }
    if (th_slot_crc32(slot, TH_SLOT_HEADER_BYTES - 4u) != th_le32(slot + TH_SLOT_HEADER_BYTES - 4u)) {
        return TH_SLOT_CORRUPT;
    }
    if (th_le16(slot + 4) != TH_SLOT_VERSION || th_le16(slot + 6) != TH_SLOT_HEADER_BYTES) {
        return TH_SLOT_VERSION_BAD;
    }
    uint32_t offset = th_le32(slot + 8);
    uint32_t bytes = th_le32(slot + 12);
    if (offset < TH_SLOT_HEADER_BYTES || (offset % 16u) != 0u || offset > slot_bytes ||
        bytes > slot_bytes - offset || bytes == 0u) {
        return TH_SLOT_BOUNDS;
    }
    uint32_t i = 0u;
    for (; i < TH_SLOT_MODEL_CHARS; ++i) {
        char c = (char)slot[16u + i];
        if (c == '\0') {
            break;
        }
        /* Only characters that cannot break a reply line: [A-Za-z0-9._-] */
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        out->model[i] = ok ? c : '_';
    }
    out->model[i] = '\0';
    out->plan = slot + offset;
    out->plan_bytes = bytes;
    return TH_SLOT_OK;
}

const char *th_slot_strerror(int err)
{
    switch (err) {
    case TH_SLOT_OK:
        return "ok";
    case TH_SLOT_EMPTY:
        return "empty: no plan header";
    case TH_SLOT_CORRUPT:
        return "corrupt: header CRC mismatch";
    case TH_SLOT_VERSION_BAD:
        return "unsupported slot header version";
    case TH_SLOT_BOUNDS:
        return "plan does not fit the slot";
    default:
        return "unknown slot error";
    }
}
