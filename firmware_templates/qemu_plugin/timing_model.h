/*
 * Cortex-M4 and Cortex-M7 timing tables applied to one translated block.
 *
 * A block's cost is split in two:
 *  - a static part, computed once at translation time: every instruction in order, the last one
 *    (usually a branch) counted as not taken / predicted correctly;
 *  - a dynamic part, added when the next block starts and it is known whether the block's final
 *    branch was taken (see branch_penalty_*).
 * docs/timing-model.md lists the tables and the assumptions behind them.
 */
#ifndef TINYHIL_TIMING_MODEL_H
#define TINYHIL_TIMING_MODEL_H

#include <stdint.h>

#include "thumb_decode.h"

enum timing_model {
    MODEL_M4,
    MODEL_M7,
};

/* How a block ends, for the dynamic branch cost. */
enum block_exit {
    EXIT_FALLTHROUGH, /* no branch: the block was cut by QEMU (page end, size limit, system insn) */
    EXIT_DIRECT,      /* B, BL: always taken */
    EXIT_COND,        /* B<cond>, CBZ/CBNZ, or any branch inside an IT block */
    EXIT_INDIRECT,    /* BX, BLX reg, POP {pc}, LDR pc, MOV pc, TBB/TBH */
};

/* ---- Cortex-M4 (ARM DDI 0439, section 3.3) ---- */

/* Pipeline refill P after a taken branch: 1 when the target address was known at decode (direct
 * branches), 2 when it comes from a register or memory, plus 1 when the target is a 32-bit
 * instruction that is not word aligned (two fetches). TRM range: 1..3. */
#define M4_REFILL_DIRECT 1u
#define M4_REFILL_INDIRECT 2u
#define M4_REFILL_UNALIGNED_WIDE 1u

/* SDIV/UDIV take 2..12 cycles depending on the operands (early termination). The plugin API of
 * QEMU 7.2 cannot read registers, so the midpoint is used. */
#define DIV_CYCLES 7u

/* ---- Cortex-M7 (no public timing table; see docs/timing-model.md) ---- */
#define M7_LOAD_LATENCY 2u     /* a dependent instruction issues 2 cycles after the load */
#define M7_MUL_LATENCY 2u      /* MUL/MAC result latency; accumulator forwarding to a following MAC */
#define M7_FP_DIV_CYCLES 14u   /* VDIV.F32 / VSQRT.F32 */
#define M7_TAKEN_PREDICTED 1u  /* fetch redirect bubble of a correctly predicted taken branch */
#define M7_MISPREDICT 6u       /* refill after a mispredicted branch (resolved in execute) */

/* Static cost of instructions insns[0..n): returns the cycles of the whole block and, if prefix is
 * not NULL, prefix[i] = cycles before instruction i starts (prefix[0] = 0). */
uint32_t block_static_cycles(enum timing_model model, const struct insn_info *insns, unsigned n,
                             uint32_t *prefix);

/* How the block ending with `last` exits. in_it_block: `last` is inside an IT block. */
enum block_exit block_exit_kind(const struct insn_info *last, int in_it_block);

/* Cortex-M4 refill cycles when a branch of kind `exit` is taken to an instruction whose first
 * halfword is at target_addr and whose size is target_size. */
static inline uint32_t m4_taken_penalty(enum block_exit exit, uint32_t target_addr, unsigned target_size)
{
    uint32_t p = exit == EXIT_INDIRECT ? M4_REFILL_INDIRECT : M4_REFILL_DIRECT;
    if (target_size == 4 && (target_addr & 2u)) {
        p += M4_REFILL_UNALIGNED_WIDE;
    }
    return p;
}

#endif /* TINYHIL_TIMING_MODEL_H */
