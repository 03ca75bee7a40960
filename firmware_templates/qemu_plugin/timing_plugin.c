/*
 * tinyhil timing plugin for qemu-system-arm 7.2 (TCG plugin API version 1).
 *
 * Counts guest instructions and modelled Cortex-M4 / Cortex-M7 cycles for the whole run and for
 * every region between an execution of a begin address and the next execution of an end address.
 *
 * Arguments (-plugin libtinyhil_timing.so,model=m4,out=FILE[,begin=ADDR,end=ADDR][,trace=FILE]):
 *   model  m4 | m7           timing table
 *   out    FILE              results, one line per region (flushed as it closes), then a total
 *   begin, end  ADDR         region markers (hex or decimal; the Thumb bit is ignored)
 *   trace  FILE              optional: every translated instruction with its class and cost
 *   profile FILE             optional: at exit, per block: executions, taken exits, cycles
 *
 * Output format (text, one record per line):
 *   # tinyhil-timing 1 model=m4
 *   region <index> <instructions> <cycles>
 *   unclosed <index> <instructions> <cycles>     (a region still open at exit)
 *   total <instructions> <cycles>
 *
 * Cost per executed block: one callback that adds the block's precomputed static cycles and, from
 * the address of the block now starting, decides whether the previous block's final branch was
 * taken and adds its refill / prediction cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin.h"
#include "thumb_decode.h"
#include "timing_model.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = TINYHIL_QEMU_PLUGIN_API_VERSION;

#define MAX_BLOCK_INSNS 512
#define NO_ADDR 0xffffffffffffffffull

struct block {
    uint64_t vaddr;
    uint64_t fallthrough;  /* address after the last instruction */
    uint64_t last_target;  /* Cortex-M7: last target of an indirect branch (BTAC) */
    struct block *next_block; /* all blocks, for the profile */
    uint64_t execs;        /* times entered */
    uint64_t exit_cycles;  /* dynamic cycles charged to this block's exit branch */
    uint64_t taken;        /* times its exit branch was taken */
    uint64_t undone_cycles; /* static cycles taken back after an MMIO replay stopped the block */
    uint64_t undone_insns;
    uint16_t *offsets;     /* instruction i starts at vaddr + offsets[i] */
    uint32_t *prefix;      /* cycles of the block before instruction i */
    uint32_t cycles;       /* static cost */
    uint32_t n_insns;
    uint8_t exit;          /* enum block_exit */
    uint8_t refill;        /* Cortex-M4: P for a taken exit, before target alignment */
    uint8_t entry_extra;   /* Cortex-M4: +1 refill when entered by a taken branch (wide, unaligned) */
    uint8_t counter;       /* Cortex-M7: 2-bit direction counter of a conditional exit */
};

struct marker {
    const struct block *block;
    uint32_t prefix_cycles; /* cycles of the block before this instruction */
    uint32_t prefix_insns;
    uint8_t is_begin;
    uint8_t is_end;
};

static enum timing_model model = MODEL_M4;
static FILE *out;
static FILE *trace;
static char profile_path[4096];
static struct block *all_blocks;
static uint64_t region_begin = NO_ADDR;
static uint64_t region_end = NO_ADDR;

/* Run state (single vCPU: the Cortex-M machines have one core). */
static uint64_t total_insns;
static uint64_t total_cycles;
static struct block *prev_block;
static int region_open;
static uint64_t region_index;
static uint64_t region_start_insns;
static uint64_t region_start_cycles;

/*
 * In icount mode QEMU stops a block at an MMIO access and replays that one instruction as a
 * memory-only block (no block callback), then continues with a new block after it. The stopped
 * block was already counted in full, so the part it never ran is taken back here. Whether a block
 * reached its last instruction is seen through an inline counter on every block's last
 * instruction (no helper call).
 */
static uint64_t blocks_completed;
static uint64_t completed_at_entry;

static void take_back_unexecuted(struct block *p, uint64_t resumed_at)
{
    if (resumed_at <= p->vaddr || resumed_at >= p->fallthrough) {
        return;
    }
    uint32_t offset = (uint32_t)(resumed_at - p->vaddr);
    for (uint32_t i = 1; i < p->n_insns; i++) {
        if (p->offsets[i] == offset) {
            total_cycles -= p->cycles - p->prefix[i];
            total_insns -= p->n_insns - i;
            p->undone_cycles += p->cycles - p->prefix[i];
            p->undone_insns += p->n_insns - i;
            return;
        }
    }
}

static void on_block_m4(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    struct block *b = udata;
    struct block *p = prev_block;
    if (p && blocks_completed == completed_at_entry) {
        take_back_unexecuted(p, b->vaddr);
    } else if (p && p->exit != EXIT_FALLTHROUGH && b->vaddr != p->fallthrough) {
        uint64_t refill = (uint64_t)p->refill + b->entry_extra;
        total_cycles += refill;
        p->exit_cycles += refill;
        p->taken++;
    }
    b->execs++;
    total_cycles += b->cycles;
    total_insns += b->n_insns;
    prev_block = b;
    completed_at_entry = blocks_completed;
}

static void on_block_m7(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    struct block *b = udata;
    struct block *p = prev_block;
    if (p && blocks_completed == completed_at_entry) {
        take_back_unexecuted(p, b->vaddr);
    } else if (p) {
        uint64_t before = total_cycles;
        p->taken += b->vaddr != p->fallthrough;
        switch (p->exit) {
        case EXIT_COND: {
            int taken = b->vaddr != p->fallthrough;
            int predicted_taken = p->counter >= 2;
            if (taken != predicted_taken) {
                total_cycles += M7_MISPREDICT;
            } else if (taken) {
                total_cycles += M7_TAKEN_PREDICTED;
            }
            if (taken && p->counter < 3) {
                p->counter++;
            } else if (!taken && p->counter > 0) {
                p->counter--;
            }
            break;
        }
        case EXIT_DIRECT:
            total_cycles += M7_TAKEN_PREDICTED;
            break;
        case EXIT_INDIRECT:
            total_cycles += p->last_target == b->vaddr ? M7_TAKEN_PREDICTED : M7_MISPREDICT;
            p->last_target = b->vaddr;
            break;
        default:
            break;
        }
        p->exit_cycles += total_cycles - before;
    }
    b->execs++;
    total_cycles += b->cycles;
    total_insns += b->n_insns;
    prev_block = b;
    completed_at_entry = blocks_completed;
}

static void on_marker(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    const struct marker *m = udata;
    /* The block callback already counted the whole block: take back what has not run yet. */
    uint64_t insns = total_insns - m->block->n_insns + m->prefix_insns;
    uint64_t cycles = total_cycles - m->block->cycles + m->prefix_cycles;
    if (m->is_end && region_open) {
        fprintf(out, "region %llu %llu %llu\n", (unsigned long long)region_index,
                (unsigned long long)(insns - region_start_insns),
                (unsigned long long)(cycles - region_start_cycles));
        fflush(out);
        region_index++;
        region_open = 0;
    }
    if (m->is_begin && !region_open) {
        region_open = 1;
        region_start_insns = insns;
        region_start_cycles = cycles;
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (n == 0) {
        return;
    }
    if (n > MAX_BLOCK_INSNS) {
        n = MAX_BLOCK_INSNS; /* QEMU's own limit is 512 */
    }
    struct insn_info insns[MAX_BLOCK_INSNS];
    uint32_t prefix[MAX_BLOCK_INSNS];
    int it_left = 0;
    int last_in_it = 0;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *qi = qemu_plugin_tb_get_insn(tb, i);
        char *text = qemu_plugin_insn_disas(qi);
        thumb_decode(text, (uint32_t)qemu_plugin_insn_vaddr(qi), (unsigned)qemu_plugin_insn_size(qi),
                     &insns[i]);
        free(text);
        last_in_it = it_left > 0;
        if (it_left > 0) {
            it_left--;
        }
        if (insns[i].cls == IC_IT) {
            it_left = insns[i].nregs;
        }
    }
    struct block *b = calloc(1, sizeof(*b));
    if (!b) {
        return;
    }
    b->offsets = calloc(n, sizeof(*b->offsets));
    b->prefix = calloc(n, sizeof(*b->prefix));
    if (!b->offsets || !b->prefix) {
        free(b->offsets);
        free(b->prefix);
        free(b);
        return;
    }
    const struct insn_info *last = &insns[n - 1];
    b->vaddr = qemu_plugin_tb_vaddr(tb);
    b->fallthrough = (uint64_t)last->addr + last->size;
    b->last_target = NO_ADDR;
    b->n_insns = (uint32_t)n;
    b->cycles = block_static_cycles(model, insns, (unsigned)n, prefix);
    for (size_t i = 0; i < n; i++) {
        b->offsets[i] = (uint16_t)(insns[i].addr - (uint32_t)b->vaddr);
        b->prefix[i] = prefix[i];
    }
    b->exit = (uint8_t)block_exit_kind(last, last_in_it);
    b->refill = (uint8_t)m4_branch_refill(last);
    b->entry_extra = (uint8_t)m4_target_refill(insns[0].addr, insns[0].size);
    /* Cortex-M7 static prediction before any history: backward taken, forward not taken. */
    b->counter = (uint8_t)((last->cls == IC_BRANCH && last->target < last->addr) ? 2 : 1);

    b->next_block = all_blocks;
    all_blocks = b;

    qemu_plugin_register_vcpu_tb_exec_cb(tb, model == MODEL_M7 ? on_block_m7 : on_block_m4,
                                         QEMU_PLUGIN_CB_NO_REGS, b);
    qemu_plugin_register_vcpu_insn_exec_inline(qemu_plugin_tb_get_insn(tb, n - 1), QEMU_PLUGIN_INLINE_ADD_U64,
                                               &blocks_completed, 1);

    for (size_t i = 0; i < n; i++) {
        uint64_t a = insns[i].addr;
        int is_begin = a == region_begin;
        int is_end = a == region_end;
        if (is_begin || is_end) {
            struct marker *m = calloc(1, sizeof(*m));
            if (m) {
                m->block = b;
                m->prefix_cycles = prefix[i];
                m->prefix_insns = (uint32_t)i;
                m->is_begin = (uint8_t)is_begin;
                m->is_end = (uint8_t)is_end;
                qemu_plugin_register_vcpu_insn_exec_cb(qemu_plugin_tb_get_insn(tb, i), on_marker,
                                                       QEMU_PLUGIN_CB_NO_REGS, m);
            }
        }
        if (trace) {
            struct qemu_plugin_insn *qi = qemu_plugin_tb_get_insn(tb, i);
            char *text = qemu_plugin_insn_disas(qi);
            uint32_t next = i + 1 < n ? prefix[i + 1] : b->cycles;
            fprintf(trace, "%08llx %u %-10s %3u  %s\n", (unsigned long long)a, insns[i].size,
                    insn_class_name(insns[i].cls), next - prefix[i], text ? text : "?");
            free(text);
            if (i + 1 == n) {
                fprintf(trace, "-- block %08llx insns %u cycles %u exit %u\n",
                        (unsigned long long)b->vaddr, b->n_insns, b->cycles, b->exit);
            }
        }
    }
}

static void on_exit_run(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    if (!out) {
        return;
    }
    if (region_open) {
        fprintf(out, "unclosed %llu %llu %llu\n", (unsigned long long)region_index,
                (unsigned long long)(total_insns - region_start_insns),
                (unsigned long long)(total_cycles - region_start_cycles));
    }
    fprintf(out, "total %llu %llu\n", (unsigned long long)total_insns, (unsigned long long)total_cycles);
    fclose(out);
    out = NULL;
    if (profile_path[0]) {
        FILE *f = fopen(profile_path, "w");
        if (f) {
            fprintf(f, "# vaddr insns static_cycles exit execs taken exit_cycles undone_insns undone_cycles\n");
            for (const struct block *b = all_blocks; b; b = b->next_block) {
                if (b->execs) {
                    fprintf(f, "%08llx %u %u %u %llu %llu %llu %llu %llu\n", (unsigned long long)b->vaddr,
                            b->n_insns, b->cycles, b->exit, (unsigned long long)b->execs,
                            (unsigned long long)b->taken, (unsigned long long)b->exit_cycles,
                            (unsigned long long)b->undone_insns, (unsigned long long)b->undone_cycles);
                }
            }
            fclose(f);
        }
    }
    if (trace) {
        fclose(trace);
        trace = NULL;
    }
}

static int parse_address(const char *text, uint64_t *value)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 0);
    if (!*text || *end || v > 0xffffffffull) {
        return -1;
    }
    *value = v & ~1ull; /* Thumb bit */
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    const char *out_path = NULL;
    const char *trace_path = NULL;
    if (info && info->target_name && strcmp(info->target_name, "arm") != 0) {
        fprintf(stderr, "tinyhil timing plugin: target %s is not arm\n", info->target_name);
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        if (!eq) {
            fprintf(stderr, "tinyhil timing plugin: argument '%s': expected key=value\n", arg);
            return -1;
        }
        size_t klen = (size_t)(eq - arg);
        const char *val = eq + 1;
        if (klen == 5 && strncmp(arg, "model", 5) == 0) {
            if (strcmp(val, "m4") == 0) {
                model = MODEL_M4;
            } else if (strcmp(val, "m7") == 0) {
                model = MODEL_M7;
            } else {
                fprintf(stderr, "tinyhil timing plugin: model '%s': expected m4 or m7\n", val);
                return -1;
            }
        } else if (klen == 3 && strncmp(arg, "out", 3) == 0) {
            out_path = val;
        } else if (klen == 5 && strncmp(arg, "trace", 5) == 0) {
            trace_path = val;
        } else if (klen == 7 && strncmp(arg, "profile", 7) == 0) {
            snprintf(profile_path, sizeof(profile_path), "%s", val);
        } else if (klen == 5 && strncmp(arg, "begin", 5) == 0) {
            if (parse_address(val, &region_begin)) {
                fprintf(stderr, "tinyhil timing plugin: begin '%s': expected an address\n", val);
                return -1;
            }
        } else if (klen == 3 && strncmp(arg, "end", 3) == 0) {
            if (parse_address(val, &region_end)) {
                fprintf(stderr, "tinyhil timing plugin: end '%s': expected an address\n", val);
                return -1;
            }
        } else {
            fprintf(stderr, "tinyhil timing plugin: unknown argument '%s' (expected model, out, begin, end, trace, profile)\n",
                    arg);
            return -1;
        }
    }
    if (!out_path) {
        fprintf(stderr, "tinyhil timing plugin: missing out=FILE\n");
        return -1;
    }
    if ((region_begin == NO_ADDR) != (region_end == NO_ADDR)) {
        fprintf(stderr, "tinyhil timing plugin: give both begin= and end=, or neither\n");
        return -1;
    }
    out = fopen(out_path, "w");
    if (!out) {
        fprintf(stderr, "tinyhil timing plugin: cannot write %s\n", out_path);
        return -1;
    }
    fprintf(out, "# tinyhil-timing 1 model=%s\n", model == MODEL_M7 ? "m7" : "m4");
    fflush(out);
    if (trace_path) {
        trace = fopen(trace_path, "w");
        if (!trace) {
            fprintf(stderr, "tinyhil timing plugin: cannot write %s\n", trace_path);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit_run, NULL);
    return 0;
}
