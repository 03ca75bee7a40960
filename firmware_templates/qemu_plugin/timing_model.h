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

/* Pipeline refill P after a taken branch (TRM: 1..3 "depending on the alignment and width of the
 * target instruction, and whether the processor manages to speculate the address early"):
 * 1 for direct branches (target computed at decode, fetched speculatively), 2 for BX/BLX/MOV pc
 * (target from a register at execute), 3 for loads to the PC (LDR pc, POP/LDM {..pc}, TBB/TBH:
 * "three cycles for the pipeline reload"), plus 1 when the target is a 32-bit instruction that is
 * not word aligned (two fetches). */
#ifndef M4_REFILL_DIRECT
#define M4_REFILL_DIRECT 1u
#endif
#ifndef M4_REFILL_INDIRECT
#define M4_REFILL_INDIRECT 2u
#endif
#ifndef M4_REFILL_FROM_MEMORY
#define M4_REFILL_FROM_MEMORY 3u
#endif
#ifndef M4_REFILL_UNALIGNED_WIDE
#define M4_REFILL_UNALIGNED_WIDE 1u
#endif

/* SDIV/UDIV take 2..12 cycles depending on the operands (early termination). The plugin API of
 * QEMU 7.2 cannot read registers, so the midpoint is used. */
#ifndef DIV_CYCLES
#define DIV_CYCLES 7u
#endif

/* ---- Cortex-M7 (no public timing table; see docs/timing-model.md) ---- */
#ifndef M7_LOAD_LATENCY
#define M7_LOAD_LATENCY 1u     /* load -> ALU consumer: may issue in the next cycle (late ALU) */
#endif
#ifndef M7_LOAD_TO_ADDRESS
#define M7_LOAD_TO_ADDRESS 1u  /* extra cycle when a loaded value forms the next address (early AGU) */
#endif
#ifndef M7_MUL_LATENCY
#define M7_MUL_LATENCY 2u      /* MUL/MAC result latency; accumulator forwarding to a following MAC */
#endif
#ifndef M7_FP_DIV_CYCLES
#define M7_FP_DIV_CYCLES 14u   /* VDIV.F32 / VSQRT.F32 */
#endif
#ifndef M7_TAKEN_PREDICTED
#define M7_TAKEN_PREDICTED 0u  /* extra cycles of a correctly predicted taken branch (BTAC hit) */
#endif
#ifndef M7_MISPREDICT
#define M7_MISPREDICT 6u       /* refill after a mispredicted branch (resolved in execute) */
#endif

/* Static cost of instructions insns[0..n): returns the cycles of the whole block and, if prefix is
 * not NULL, prefix[i] = cycles before instruction i starts (prefix[0] = 0). */
uint32_t block_static_cycles(enum timing_model model, const struct insn_info *insns, unsigned n,
                             uint32_t *prefix);

/* How the block ending with `last` exits. in_it_block: `last` is inside an IT block. */
enum block_exit block_exit_kind(const struct insn_info *last, int in_it_block);

/* Cortex-M4 refill P of a taken branch `last`, before the target's alignment term. */
uint32_t m4_branch_refill(const struct insn_info *last);

/* Cortex-M4 extra refill when a taken branch lands on the instruction (addr, size). */
static inline uint32_t m4_target_refill(uint32_t addr, unsigned size)
{
    return (size == 4 && (addr & 2u)) ? M4_REFILL_UNALIGNED_WIDE : 0u;
}

#endif /* TINYHIL_TIMING_MODEL_H */
