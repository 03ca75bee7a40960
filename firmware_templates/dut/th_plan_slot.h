/*
 * The plan slot: a reserved flash area (whole erase sectors after the firmware) holding the
 * compiled model, so the firmware is built once per board. Layout, little-endian:
 *
 *   0  u32  magic 0x53504854 ("THPS")
 *   4  u16  header version (1)
 *   6  u16  header bytes (64)
 *   8  u32  plan offset from the slot start (>= 64, multiple of 16)
 *  12  u32  plan bytes
 *  16  char model tag [24], NUL padded (e.g. "kws01"; shown by `profile`)
 *  40  u8   reserved [20], zero
 *  60  u32  CRC-32 (IEEE 802.3, as zlib.crc32) of bytes 0..59
 *
 * Written by harness/firmware/plan_slot.py; erased flash (all 0xFF) reads as "empty".
 */
#ifndef TH_PLAN_SLOT_H
#define TH_PLAN_SLOT_H

#include <stdint.h>

#define TH_SLOT_MAGIC 0x53504854u
#define TH_SLOT_VERSION 1u
#define TH_SLOT_HEADER_BYTES 64u
#define TH_SLOT_MODEL_CHARS 24u

enum {
    TH_SLOT_OK = 0,
    TH_SLOT_EMPTY = -1,    /* no magic: erased or never written */
    TH_SLOT_CORRUPT = -2,  /* header CRC mismatch */
    TH_SLOT_VERSION_BAD = -3,
    TH_SLOT_BOUNDS = -4,   /* the plan does not fit in the slot */
};

typedef struct {
    const uint8_t *plan;
    uint32_t plan_bytes;
    char model[TH_SLOT_MODEL_CHARS + 1u];
} th_slot_t;

int th_slot_read(const uint8_t *slot, uint32_t slot_bytes, th_slot_t *out);
const char *th_slot_strerror(int err);
uint32_t th_slot_crc32(const uint8_t *data, uint32_t len);

#endif /* TH_PLAN_SLOT_H */
