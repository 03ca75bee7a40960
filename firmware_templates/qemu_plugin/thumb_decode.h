/*
 * Classification of one Thumb-2 (ARMv7E-M + FPv4/FPv5) instruction for the timing models.
 *
 * The decoder works on QEMU's disassembly text (capstone syntax: "ldr r3, [r2, #4]") plus the
 * instruction's address and size. It extracts what the timing tables need: the instruction class,
 * the core registers read and written, the registers used to form a memory address, the number of
 * registers moved by LDM/STM/VLDM/VSTM/PUSH/POP, and a few flags.
 */
#ifndef TINYHIL_THUMB_DECODE_H
#define TINYHIL_THUMB_DECODE_H

#include <stdbool.h>
#include <stdint.h>

enum insn_class {
    IC_ALU,       /* data processing, moves, shifts, extends, bitfield, saturate, SIMD add/sub */
    IC_MUL,       /* 32-bit result multiplies without accumulate: MUL, SMULxy, SMUAD, SMMUL, ... */
    IC_MLA,       /* MLA, MLS: 2 cycles on Cortex-M4 */
    IC_MAC,       /* DSP single-cycle multiply-accumulates: SMLAxy, SMLAD, SMLAW, SMMLA, USADA8 */
    IC_MULL,      /* UMULL, SMULL */
    IC_MLAL,      /* UMLAL, SMLAL, SMLALxy, SMLALD, SMLSLD, UMAAL */
    IC_DIV,       /* SDIV, UDIV */
    IC_LOAD,      /* LDR/LDRB/LDRH/LDRSB/LDRSH/LDREX/LDRT, single register */
    IC_STORE,     /* STR/STRB/STRH/STRT, single register */
    IC_STREX,     /* STREX* (returns a status register) */
    IC_LOADD,     /* LDRD */
    IC_STORED,    /* STRD */
    IC_LDM,       /* LDM/POP (nregs registers) */
    IC_STM,       /* STM/PUSH */
    IC_BRANCH,    /* B, BL, B<cond>, CBZ/CBNZ: direct target */
    IC_BRANCH_IND,/* BX, BLX register, and any ALU/MOV/LDR/LDM/POP that writes the PC */
    IC_TABLE,     /* TBB/TBH */
    IC_IT,        /* IT block header */
    IC_NOP,       /* NOP and hints (YIELD, SEV, WFE, WFI), PLD/PLI */
    IC_BARRIER,   /* DMB, DSB */
    IC_ISB,       /* ISB (flushes the pipeline) */
    IC_SYS,       /* MRS, MSR, CPS, SVC, BKPT, UDF and other system instructions */
    IC_FP_ALU,    /* VADD, VSUB, VMUL, VNMUL, VABS, VNEG, VCMP, VCVT, VMOV (FP<->FP, imm), VSEL, ... */
    IC_FP_MAC,    /* VMLA, VMLS, VNMLA, VNMLS, VFMA, VFMS, VFNMA, VFNMS */
    IC_FP_DIV,    /* VDIV, VSQRT */
    IC_FP_LOAD,   /* VLDR */
    IC_FP_STORE,  /* VSTR */
    IC_FP_LDM,    /* VLDM, VPOP (nregs single-precision words) */
    IC_FP_STM,    /* VSTM, VPUSH */
    IC_FP_MOV_CORE,  /* VMOV between one core and one FP register, VMRS, VMSR */
    IC_FP_MOV_CORE2, /* VMOV between two core registers and two S / one D register */
    IC_UNKNOWN,
    IC_COUNT
};

enum {
    IF_WIDE = 1u << 0,        /* 32-bit encoding */
    IF_WRITEBACK = 1u << 1,   /* base register written back (!, post-index, PUSH/POP) */
    IF_REG_OFFSET = 1u << 2,  /* load/store address uses a register offset */
    IF_WRITES_PC = 1u << 3,   /* ends the block with a PC change */
    IF_CONDITIONAL = 1u << 4, /* B<cond>, CBZ, CBNZ: may fall through */
    IF_SHIFTED = 1u << 5,     /* an operand goes through the shifter (shift, bitfield, extend) */
    IF_DSP = 1u << 6,         /* DSP/SIMD/REV class (Cortex-M7 issues these only in the older slot) */
    IF_LINK = 1u << 7,        /* BL/BLX: writes LR */
    IF_PC_RELATIVE = 1u << 8, /* literal load */
};

struct insn_info {
    uint32_t addr;
    uint32_t target;    /* direct branch target, if IC_BRANCH */
    uint16_t reads;     /* core registers read (bit n = rn) */
    uint16_t writes;    /* core registers written */
    uint16_t addr_regs; /* registers forming a memory address */
    uint16_t acc_regs;  /* accumulator inputs of a multiply-accumulate */
    uint16_t flags;     /* IF_* */
    uint8_t size;       /* bytes: 2 or 4 */
    uint8_t cls;        /* enum insn_class */
    uint8_t nregs;      /* LDM/STM/VLDM/VSTM: registers moved (FP: single-precision words); IT: block length */
};

/* Fill *out from the disassembly text of the instruction at addr (size 2 or 4 bytes). */
void thumb_decode(const char *disas, uint32_t addr, unsigned size, struct insn_info *out);

/* Short name of an instruction class, for traces and documentation. */
const char *insn_class_name(unsigned cls);

#endif /* TINYHIL_THUMB_DECODE_H */
