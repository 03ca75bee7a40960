/*
 * Static (translation-time) part of the Cortex-M4 and Cortex-M7 timing models; see timing_model.h
 * and docs/timing-model.md.
 */
#include "timing_model.h"

#include <stdbool.h>

#define REG_PC 15

/* ------------------------------------------------------------------------------------------- */
/* Cortex-M4: single issue, 3-stage pipeline. Cycle counts from the TRM's instruction timing    */
/* table (ARM DDI 0439, table 3-1) and the FPU table (table 7-1).                               */
/* ------------------------------------------------------------------------------------------- */

/* Single loads/stores whose data phase can overlap the address phase of a following LDR/STR. */
static bool m4_pipelines_next_load(const struct insn_info *prev)
{
    switch (prev->cls) {
    case IC_LOAD:
    case IC_FP_LOAD:
    case IC_STREX:
        return !(prev->flags & IF_WRITES_PC);
    case IC_STORE:
    case IC_FP_STORE:
        /* "Other instructions cannot be pipelined after STR with register offset." */
        return !(prev->flags & IF_REG_OFFSET);
    default:
        return false;
    }
}

static uint32_t m4_load_cycles(const struct insn_info *in, const struct insn_info *prev)
{
    if (prev && m4_pipelines_next_load(prev)) {
        /* No pipelining when the previous load produced this one's base or index register. */
        /* "...and the destination of the first LDR is not used to compute the base address of
         * the next instruction": the loaded register, not a written-back base */
        bool prev_is_load = prev->cls == IC_LOAD || prev->cls == IC_STREX;
        uint16_t base_update = (prev->flags & IF_WRITEBACK) ? prev->addr_regs : 0;
        uint16_t loaded = (uint16_t)(prev->writes & ~base_update);
        if (!(prev_is_load && (loaded & in->addr_regs))) {
            return 1;
        }
    }
    return 2;
}

static bool is_data_processing(unsigned cls)
{
    return cls == IC_ALU || cls == IC_MUL || cls == IC_MLA || cls == IC_MAC || cls == IC_MULL ||
           cls == IC_MLAL || cls == IC_DIV;
}

static bool is_memory(unsigned cls)
{
    switch (cls) {
    case IC_LOAD:
    case IC_STORE:
    case IC_STREX:
    case IC_LOADD:
    case IC_STORED:
    case IC_LDM:
    case IC_STM:
    case IC_TABLE:
    case IC_FP_LOAD:
    case IC_FP_STORE:
    case IC_FP_LDM:
    case IC_FP_STM:
        return true;
    default:
        return false;
    }
}

uint32_t m4_branch_refill(const struct insn_info *last)
{
    if (last->cls == IC_BRANCH) {
        return M4_REFILL_DIRECT;
    }
    if (is_memory(last->cls)) {
        return M4_REFILL_FROM_MEMORY; /* LDR pc, POP {pc}, LDM {..pc}, TBB, TBH */
    }
    return M4_REFILL_INDIRECT;
}

static uint32_t m4_base_cycles(const struct insn_info *in, const struct insn_info *prev);

static uint32_t m4_insn_cycles(const struct insn_info *in, const struct insn_info *prev)
{
    uint32_t c = m4_base_cycles(in, prev);
    /* "Any load or store that generates an address dependent on the result of a preceding data
     * processing operation stalls the pipeline for an additional cycle while the register bank is
     * updated. There is no forwarding path for this scenario." */
    if (prev && is_memory(in->cls) && is_data_processing(prev->cls) && (prev->writes & in->addr_regs)) {
        c += 1;
    }
    return c;
}

static uint32_t m4_base_cycles(const struct insn_info *in, const struct insn_info *prev)
{
    switch (in->cls) {
    case IC_ALU:
    case IC_MUL:
    case IC_MAC:
    case IC_MULL:
    case IC_MLAL:
    case IC_NOP:
    case IC_BARRIER:
    case IC_SYS:
    case IC_UNKNOWN:
        return 1;
    case IC_MLA:
        return 2;
    case IC_DIV:
        return DIV_CYCLES;
    case IC_LOAD:
    case IC_STREX:
        if (in->flags & IF_WRITES_PC) {
            return 2; /* LDR pc: 2 + P, the refill is added when the branch is seen taken */
        }
        return m4_load_cycles(in, prev);
    case IC_STORE:
        /* STR: address phase in its own cycle, data phase overlaps the next instruction. */
        return 1;
    case IC_LOADD:
    case IC_STORED:
        return 3; /* 1 + N, N = 2 */
    case IC_LDM:
    case IC_STM:
        return 1u + in->nregs; /* 1 + N (+ P for POP/LDM with pc, added when taken) */
    case IC_BRANCH:
    case IC_BRANCH_IND:
        return 1; /* 1 + P when taken */
    case IC_TABLE:
        return 2; /* 2 + P */
    case IC_IT:
        /* IT folds onto a preceding 16-bit instruction and then costs nothing. */
        return (prev && !(prev->flags & IF_WIDE)) ? 0 : 1;
    case IC_ISB:
        return 1 + M4_REFILL_FROM_MEMORY; /* ISB flushes the pipeline: 1 + refill */
    case IC_FP_ALU:
    case IC_FP_MOV_CORE:
        return 1;
    case IC_FP_MOV_CORE2:
        return 2;
    case IC_FP_MAC:
        return 3;
    case IC_FP_DIV:
        return 14;
    case IC_FP_LOAD:
        /* VLDR.32: 2, pipelined like LDR; VLDR.64 moves two words: one more. */
        return m4_load_cycles(in, prev) + (in->nregs > 1 ? 1u : 0u);
    case IC_FP_STORE:
        return 1u + (in->nregs > 1 ? 1u : 0u) + 1u; /* VSTR: 2 (3 for .64) */
    case IC_FP_LDM:
    case IC_FP_STM:
        return 1u + in->nregs;
    default:
        return 1;
    }
}

static uint32_t m4_block(const struct insn_info *insns, unsigned n, uint32_t *prefix)
{
    uint32_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        if (prefix) {
            prefix[i] = total;
        }
        total += m4_insn_cycles(&insns[i], i ? &insns[i - 1] : 0);
    }
    return total;
}

/* ------------------------------------------------------------------------------------------- */
/* Cortex-M7: in-order dual issue, 6-stage pipeline.                                            */
/* ------------------------------------------------------------------------------------------- */

enum m7_resource {
    RES_LS = 1u << 0,     /* the load/store pipe: one memory instruction per cycle */
    RES_MAC = 1u << 1,    /* the multiply/MAC pipe */
    RES_BRANCH = 1u << 2, /* one branch per cycle */
    RES_FP = 1u << 3,     /* the FPU pipe */
    RES_SHIFT = 1u << 4,  /* one shifted-operand (shifter / bitfield / extend) instruction */
    RES_ALONE = 1u << 5,  /* serialising: issues alone */
    RES_LOAD = 1u << 6,   /* a single load: pairs with another single load, not with RES_LS */
};

/* Whether an instruction needing `want` can issue in a cycle whose slot already uses `used`. */
static bool m7_conflict(uint32_t used, uint32_t want)
{
    if ((want & RES_LS) && (used & (RES_LS | RES_LOAD))) {
        return true;
    }
    if ((want & RES_LOAD) && (used & RES_LS)) {
        return true;
    }
    return (used & want & ~(uint32_t)(RES_LS | RES_LOAD)) != 0;
}

struct m7_props {
    uint32_t resources;
    uint32_t occupancy; /* cycles the issue stage is busy */
    uint32_t latency;   /* cycles from issue until a dependent instruction may issue */
};

static struct m7_props m7_props_of(const struct insn_info *in)
{
    struct m7_props p = {0, 1, 1};
    switch (in->cls) {
    case IC_ALU:
        break;
    case IC_MUL:
    case IC_MLA:
    case IC_MAC:
    case IC_MULL:
    case IC_MLAL:
        p.resources = RES_MAC;
        p.latency = M7_MUL_LATENCY;
        break;
    case IC_DIV:
        p.resources = RES_MAC | RES_ALONE;
        p.occupancy = DIV_CYCLES;
        p.latency = DIV_CYCLES;
        break;
    case IC_LOAD:
        /* The data side has two 32-bit read ports (DTCM is two interleaved 32-bit banks): two
         * single loads can issue together; a load cannot pair with a store. */
        p.resources = RES_LOAD;
        p.latency = M7_LOAD_LATENCY;
        break;
    case IC_LOADD:
    case IC_STREX:
        p.resources = RES_LS;
        p.latency = M7_LOAD_LATENCY;
        break;
    case IC_STORE:
    case IC_STORED:
        p.resources = RES_LS;
        break;
    case IC_LDM:
    case IC_STM:
        /* 64-bit data path: two registers per cycle */
        p.resources = RES_LS | RES_ALONE;
        p.occupancy = in->nregs > 2 ? (in->nregs + 1u) / 2u : 1u;
        p.latency = p.occupancy + M7_LOAD_LATENCY - 1u;
        break;
    case IC_BRANCH:
    case IC_BRANCH_IND:
        p.resources = RES_BRANCH;
        break;
    case IC_TABLE:
        p.resources = RES_BRANCH | RES_LS;
        p.occupancy = M7_LOAD_LATENCY;
        break;
    case IC_IT:
    case IC_NOP:
        break;
    case IC_BARRIER:
    case IC_SYS:
    case IC_UNKNOWN:
        p.resources = RES_ALONE;
        break;
    case IC_ISB:
        p.resources = RES_ALONE;
        p.occupancy = 1u + M7_MISPREDICT;
        break;
    case IC_FP_ALU:
    case IC_FP_MAC:
    case IC_FP_MOV_CORE:
        p.resources = RES_FP;
        break;
    case IC_FP_MOV_CORE2:
        p.resources = RES_FP;
        p.occupancy = 2;
        break;
    case IC_FP_DIV:
        p.resources = RES_FP | RES_ALONE;
        p.occupancy = M7_FP_DIV_CYCLES;
        break;
    case IC_FP_LOAD:
    case IC_FP_STORE:
        p.resources = RES_LS | RES_FP;
        break;
    case IC_FP_LDM:
    case IC_FP_STM:
        p.resources = RES_LS | RES_FP | RES_ALONE;
        p.occupancy = in->nregs > 2 ? (in->nregs + 1u) / 2u : 1u;
        break;
    default:
        p.resources = RES_ALONE;
        break;
    }
    if (in->flags & IF_SHIFTED) {
        p.resources |= RES_SHIFT;
    }
    if (in->flags & IF_WRITES_PC) {
        p.resources |= RES_BRANCH;
    }
    return p;
}

static bool is_mac_class(unsigned cls)
{
    return cls == IC_MLA || cls == IC_MAC || cls == IC_MLAL;
}

static uint32_t m7_block(const struct insn_info *insns, unsigned n, uint32_t *prefix)
{
    uint32_t ready[16] = {0};     /* cycle at which each register may be read */
    bool by_mac[16] = {false};    /* last written by a multiply-accumulate */
    bool by_load[16] = {false};   /* last written by a load */
    uint32_t cycle = 0;           /* current issue cycle */
    unsigned issued = 0;          /* instructions issued in `cycle` (0..2) */
    uint32_t used = 0;            /* resources used in `cycle` */
    uint32_t end = 0;             /* first cycle after the last instruction's issue occupancy */

    for (unsigned i = 0; i < n; i++) {
        const struct insn_info *in = &insns[i];
        struct m7_props p = m7_props_of(in);

        /* operands: shifted operands are needed one cycle earlier */
        uint32_t need = 0;
        for (unsigned r = 0; r < 16; r++) {
            if (!(in->reads & (1u << r))) {
                continue;
            }
            uint32_t t = ready[r];
            if (is_mac_class(in->cls) && (in->acc_regs & (1u << r)) && by_mac[r] && t > 0) {
                t -= 1; /* accumulator forwarding between back-to-back MACs */
            }
            if ((in->flags & IF_SHIFTED) && !(in->addr_regs & (1u << r))) {
                t += 1;
            }
            if (by_load[r] && (in->addr_regs & (1u << r))) {
                t += M7_LOAD_TO_ADDRESS;
            }
            if (t > need) {
                need = t;
            }
        }

bool can_pair = issued == 1 && !m7_conflict(used, p.resources) && !(used & RES_ALONE) &&
                        !(p.resources & RES_ALONE) && !(in->flags & IF_DSP);
        uint32_t at;
        if (issued == 0) {
            at = cycle;
        } else if (can_pair) {
            at = cycle;
        } else {
            at = cycle + 1;
        }
        if (need > at) {
            at = need;
        }
        if (at != cycle || issued == 0) {
            if (at != cycle) {
                issued = 0;
                used = 0;
            }
            cycle = at;
        }
        if (prefix) {
            prefix[i] = cycle;
        }
        issued++;
        used |= p.resources;
        if (p.occupancy > 1) {
            /* multi-cycle: nothing else issues until it is done */
            cycle += p.occupancy - 1;
            issued = 2;
        }
        if (in->cls == IC_IT) {
            /* IT is consumed at decode: it does not take an issue slot */
            issued--;
        }
        uint32_t done = at + p.latency;
        bool is_load = in->cls == IC_LOAD || in->cls == IC_LOADD || in->cls == IC_LDM;
        /* a written-back base comes from the address generator: ready next cycle */
        uint16_t base_update = (in->flags & IF_WRITEBACK) ? (uint16_t)(in->writes & in->addr_regs) : 0;
        for (unsigned r = 0; r < 16; r++) {
            if (in->writes & (1u << r)) {
                bool base = (base_update >> r) & 1u;
                ready[r] = base ? at + 1 : done;
                by_mac[r] = is_mac_class(in->cls);
                by_load[r] = is_load && !base;
            }
        }
        end = cycle + 1;
    }
    return end;
}

uint32_t block_static_cycles(enum timing_model model, const struct insn_info *insns, unsigned n,
                             uint32_t *prefix)
{
    return model == MODEL_M7 ? m7_block(insns, n, prefix) : m4_block(insns, n, prefix);
}

enum block_exit block_exit_kind(const struct insn_info *last, int in_it_block)
{
    if (!(last->flags & IF_WRITES_PC) && !(last->writes & (1u << REG_PC))) {
        return EXIT_FALLTHROUGH;
    }
    if (in_it_block || (last->flags & IF_CONDITIONAL)) {
        return EXIT_COND;
    }
    if (last->cls == IC_BRANCH) {
        return EXIT_DIRECT;
    }
    return EXIT_INDIRECT;
}
