/*
 * Thumb-2 instruction classification from disassembly text; see thumb_decode.h.
 *
 * Parsing is done once per instruction at translation time, so clarity matters more than speed.
 */
#include "thumb_decode.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define REG_SP 13
#define REG_LR 14
#define REG_PC 15
#define MAX_MNEMONIC 24
#define MAX_OPERANDS 8
#define MAX_OPERAND_TEXT 96

static const char *const class_names[IC_COUNT] = {
    "alu",    "mul",     "mla",       "mac",      "mull",   "mlal",    "div",      "load",
    "store",  "strex",   "loadd",     "stored",   "ldm",    "stm",     "branch",   "branch_ind",
    "table",  "it",      "nop",       "barrier",  "isb",    "sys",     "fp_alu",   "fp_mac",
    "fp_div", "fp_load", "fp_store",  "fp_ldm",   "fp_stm", "fp_mov",  "fp_mov2",  "unknown",
};

const char *insn_class_name(unsigned cls)
{
    return cls < IC_COUNT ? class_names[cls] : "?";
}

static const char *const conditions[] = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs",
                                         "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", NULL};

static bool is_condition(const char *s)
{
    for (int i = 0; conditions[i]; i++) {
        if (strcmp(s, conditions[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++) {
        if (strcmp(s, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Core register number of a token such as "r7", "sb", "ip", "lr"; -1 if not a core register. */
static int core_reg(const char *tok, size_t len)
{
    static const char *const aliases[] = {"sb", "sl", "fp", "ip", "sp", "lr", "pc"};
    static const int alias_num[] = {9, 10, 11, 12, 13, 14, 15};
    if (len >= 2 && len <= 3 && tok[0] == 'r' && isdigit((unsigned char)tok[1])) {
        int n = tok[1] - '0';
        if (len == 3) {
            if (!isdigit((unsigned char)tok[2])) {
                return -1;
            }
            n = n * 10 + (tok[2] - '0');
        }
        return n <= 15 ? n : -1;
    }
    if (len == 2) {
        for (size_t i = 0; i < sizeof(alias_num) / sizeof(alias_num[0]); i++) {
            if (tok[0] == aliases[i][0] && tok[1] == aliases[i][1]) {
                return alias_num[i];
            }
        }
    }
    return -1;
}

/* Number of single-precision words named by an FP register token ("s3" -> 1, "d2" -> 2), else 0. */
static int fp_reg_words(const char *tok, size_t len)
{
    if (len < 2 || len > 3 || (tok[0] != 's' && tok[0] != 'd') || !isdigit((unsigned char)tok[1])) {
        return 0;
    }
    if (len == 3 && !isdigit((unsigned char)tok[2])) {
        return 0;
    }
    return tok[0] == 's' ? 1 : 2;
}

struct operand {
    char text[MAX_OPERAND_TEXT];
    uint16_t regs;     /* core registers named in the operand */
    bool memory;       /* [ ... ] */
    bool list;         /* { ... } */
    bool immediate;    /* #... */
    bool shift;        /* "lsl #2", "ror r3", ... */
    int fp_words;      /* FP registers in the operand, in single-precision words */
    int list_count;    /* core registers in a { } list */
};

/* Scan the identifiers of s[0..len) and collect core / FP registers. */
static void scan_registers(const char *s, size_t len, struct operand *op)
{
    size_t i = 0;
    while (i < len) {
        if (isalpha((unsigned char)s[i])) {
            size_t j = i;
            while (j < len && isalnum((unsigned char)s[j])) {
                j++;
            }
            int r = core_reg(s + i, j - i);
            if (r >= 0) {
                op->regs |= (uint16_t)(1u << r);
                if (op->list) {
                    op->list_count++;
                }
            } else {
                int w = fp_reg_words(s + i, j - i);
                op->fp_words += w;
                static const char *const shifts[] = {"lsl", "lsr", "asr", "ror", "rrx", NULL};
                char word[8] = {0};
                if (j - i < sizeof(word)) {
                    memcpy(word, s + i, j - i);
                    if (in_list(word, shifts)) {
                        op->shift = true;
                    }
                }
            }
            i = j;
        } else {
            i++;
        }
    }
}

/* Register ranges inside lists ("{r4-r7}", "{s0-s7}") are expanded; capstone prints lists in full
 * but other disassemblers use ranges, so accept both. */
static void expand_ranges(struct operand *op)
{
    const char *dash = strchr(op->text, '-');
    if (!dash || !op->list) {
        return;
    }
    /* find "<reg>-<reg>" */
    for (const char *p = op->text; (p = strchr(p, '-')) != NULL; p++) {
        const char *a = p;
        while (a > op->text && isalnum((unsigned char)a[-1])) {
            a--;
        }
        const char *b = p + 1;
        const char *e = b;
        while (isalnum((unsigned char)*e)) {
            e++;
        }
        int r0 = core_reg(a, (size_t)(p - a));
        int r1 = core_reg(b, (size_t)(e - b));
        if (r0 >= 0 && r1 > r0) {
            for (int r = r0 + 1; r < r1; r++) {
                op->regs |= (uint16_t)(1u << r);
                op->list_count++;
            }
        } else if (fp_reg_words(a, (size_t)(p - a)) && fp_reg_words(b, (size_t)(e - b))) {
            int n0 = atoi(a + 1);
            int n1 = atoi(b + 1);
            if (n1 > n0) {
                op->fp_words += (n1 - n0 - 1) * fp_reg_words(a, (size_t)(p - a));
            }
        }
    }
}

struct parsed {
    char mnemonic[MAX_MNEMONIC]; /* lower case, without .w/.n and without data-type suffix */
    int n;
    struct operand ops[MAX_OPERANDS];
    bool writeback_mark; /* '!' seen */
};

static void parse(const char *disas, struct parsed *p)
{
    memset(p, 0, sizeof(*p));
    const char *s = disas;
    while (*s && isspace((unsigned char)*s)) {
        s++;
    }
    size_t m = 0;
    while (*s && !isspace((unsigned char)*s) && m + 1 < sizeof(p->mnemonic)) {
        p->mnemonic[m++] = (char)tolower((unsigned char)*s++);
    }
    p->mnemonic[m] = '\0';
    /* strip everything from the first '.' (".w", ".n", ".f32", ".f64.s32", ...) */
    char *dot = strchr(p->mnemonic, '.');
    if (dot) {
        *dot = '\0';
    }
    /* split operands on top-level commas */
    int depth = 0;
    const char *start = s;
    for (;; s++) {
        char c = *s;
        if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            depth--;
        } else if (c == '!') {
            p->writeback_mark = true;
        }
        if ((c == ',' && depth == 0) || c == '\0') {
            const char *a = start;
            while (a < s && isspace((unsigned char)*a)) {
                a++;
            }
            size_t len = (size_t)(s - a);
            while (len > 0 && isspace((unsigned char)a[len - 1])) {
                len--;
            }
            if (len > 0 && p->n < MAX_OPERANDS) {
                struct operand *op = &p->ops[p->n++];
                if (len >= sizeof(op->text)) {
                    len = sizeof(op->text) - 1;
                }
                memcpy(op->text, a, len);
                op->text[len] = '\0';
                op->memory = strchr(op->text, '[') != NULL;
                op->list = op->text[0] == '{';
                op->immediate = op->text[0] == '#';
                scan_registers(op->text, len, op);
                expand_ranges(op);
            }
            if (c == '\0') {
                break;
            }
            start = s + 1;
        }
    }
}

/* Registers named by operands [from, to). */
static uint16_t regs_of(const struct parsed *p, int from, int to)
{
    uint16_t r = 0;
    for (int i = from; i < to && i < p->n; i++) {
        r |= p->ops[i].regs;
    }
    return r;
}

static int first_memory_operand(const struct parsed *p)
{
    for (int i = 0; i < p->n; i++) {
        if (p->ops[i].memory) {
            return i;
        }
    }
    return -1;
}

static int first_list_operand(const struct parsed *p)
{
    for (int i = 0; i < p->n; i++) {
        if (p->ops[i].list) {
            return i;
        }
    }
    return -1;
}

static bool any_shift(const struct parsed *p)
{
    for (int i = 0; i < p->n; i++) {
        if (p->ops[i].shift && !p->ops[i].memory) {
            return true;
        }
    }
    return false;
}

static uint32_t branch_target(const struct parsed *p)
{
    for (int i = p->n - 1; i >= 0; i--) {
        const char *t = p->ops[i].text;
        if (t[0] == '#') {
            return (uint32_t)strtoul(t + 1, NULL, 0);
        }
        if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
            return (uint32_t)strtoul(t, NULL, 0);
        }
    }
    return 0;
}

/* Parallel add/subtract family: [s|q|sh|u|uq|uh] x [add16|asx|sax|sub16|add8|sub8]. */
static bool is_parallel_addsub(const char *m)
{
    static const char *const prefixes[] = {"uq", "uh", "sh", "s", "q", "u", NULL};
    static const char *const ops[] = {"add16", "asx", "sax", "sub16", "add8", "sub8", NULL};
    for (int i = 0; prefixes[i]; i++) {
        size_t l = strlen(prefixes[i]);
        if (strncmp(m, prefixes[i], l) == 0 && in_list(m + l, ops)) {
            return true;
        }
    }
    return false;
}

static bool is_it(const char *m)
{
    if (m[0] != 'i' || m[1] != 't') {
        return false;
    }
    for (const char *c = m + 2; *c; c++) {
        if (*c != 't' && *c != 'e') {
            return false;
        }
    }
    return strlen(m) <= 5;
}

/* Integer ALU mnemonics (base form, without S and condition). */
static const char *const alu_ops[] = {
    "adc", "add", "addw", "adr", "and", "asr", "bic", "bfc", "bfi", "clz", "cmn", "cmp", "eor", "lsl",
    "lsr", "mov", "movw", "movt", "mvn", "neg", "orn", "orr", "rbit", "rev", "rev16", "revsh", "ror",
    "rrx", "rsb", "sbc", "sbfx", "ssat", "ssat16", "usat", "usat16", "sub", "subw", "teq", "tst",
    "ubfx", "sxtb", "sxth", "uxtb", "uxth", "sxtab", "sxtah", "uxtab", "uxtah", "sxtb16", "uxtb16",
    "sxtab16", "uxtab16", "qadd", "qsub", "qdadd", "qdsub", "sel", "usad8", "pkhbt", "pkhtb", "cpy",
    NULL};
/* ALU ops that do not read their destination when written with two operands. */
static const char *const unary_ops[] = {"mov", "mvn", "movw", "clz", "rbit", "rev", "rev16", "revsh",
                                        "rrx", "neg", "sxtb", "sxth", "uxtb", "uxth", "sxtb16",
                                        "uxtb16", "adr", "cpy", "bfc", NULL};
static const char *const compare_ops[] = {"cmp", "cmn", "tst", "teq", NULL};
static const char *const dsp_alu_ops[] = {"rev", "rev16", "revsh", "rbit", "qadd", "qsub", "qdadd",
                                          "qdsub", "sel", "usad8", "pkhbt", "pkhtb", "ssat16",
                                          "usat16", "sxtab16", "uxtab16", "sxtb16", "uxtb16", NULL};
static const char *const extend_bitfield_ops[] = {"lsl", "lsr", "asr", "ror", "rrx", "sxtb", "sxth", "uxtb", "uxth", "sxtab", "sxtah",
                                                  "uxtab", "uxtah", "ubfx", "sbfx", "bfi", "bfc",
                                                  NULL};
static const char *const mul_ops[] = {"mul", "smulbb", "smulbt", "smultb", "smultt", "smulwb",
                                      "smulwt", "smuad", "smuadx", "smusd", "smusdx", "smmul",
                                      "smmulr", NULL};
static const char *const mac_ops[] = {"smlabb", "smlabt", "smlatb", "smlatt", "smlad", "smladx",
                                      "smlsd", "smlsdx", "smlawb", "smlawt", "smmla", "smmlar",
                                      "smmls", "smmlsr", "usada8", NULL};
static const char *const mlal_ops[] = {"umlal", "smlal", "smlalbb", "smlalbt", "smlaltb", "smlaltt",
                                       "smlald", "smlaldx", "smlsld", "smlsldx", "umaal", NULL};
static const char *const load_ops[] = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrt", "ldrbt",
                                       "ldrht", "ldrsbt", "ldrsht", "ldrex", "ldrexb", "ldrexh",
                                       "lda", "ldab", "ldah", NULL};
static const char *const store_ops[] = {"str", "strb", "strh", "strt", "strbt", "strht", NULL};
static const char *const strex_ops[] = {"strex", "strexb", "strexh", NULL};
static const char *const ldm_ops[] = {"ldm", "ldmia", "ldmfd", "ldmdb", "ldmea", NULL};
static const char *const stm_ops[] = {"stm", "stmia", "stmea", "stmdb", "stmfd", NULL};
static const char *const nop_ops[] = {"nop", "yield", "wfe", "wfi", "sev", "pld", "pldw", "pli",
                                      "dbg", NULL};
static const char *const sys_ops[] = {"mrs", "msr", "cpsie", "cpsid", "cps", "svc", "bkpt", "udf",
                                      "clrex", NULL};
static const char *const fp_alu_ops[] = {"vadd", "vsub", "vmul", "vnmul", "vabs", "vneg", "vcmp",
                                         "vcmpe", "vcvt", "vcvtr", "vcvta", "vcvtn", "vcvtp",
                                         "vcvtm", "vcvtb", "vcvtt", "vsel", "vmaxnm", "vminnm",
                                         "vrinta", "vrintn", "vrintp", "vrintm", "vrintx", "vrintz",
                                         "vrintr", "vseleq", "vselge", "vselgt", "vselvs", NULL};
static const char *const fp_mac_ops[] = {"vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma",
                                         "vfnms", NULL};
static const char *const fp_div_ops[] = {"vdiv", "vsqrt", NULL};
static const char *const fp_ldm_ops[] = {"vldm", "vldmia", "vldmdb", "vpop", NULL};
static const char *const fp_stm_ops[] = {"vstm", "vstmia", "vstmdb", "vpush", NULL};

/* Remove a trailing condition code ("addeq" -> "add") if what remains is in `list`. */
static bool match_with_suffixes(const char *m, const char *const *list, bool *set_flags)
{
    char buf[MAX_MNEMONIC];
    size_t len = strlen(m);
    if (in_list(m, list)) {
        return true;
    }
    /* flag-setting S suffix */
    if (len > 1 && m[len - 1] == 's') {
        memcpy(buf, m, len - 1);
        buf[len - 1] = '\0';
        if (in_list(buf, list)) {
            *set_flags = true;
            return true;
        }
    }
    /* condition suffix, optionally preceded by S ("addseq") */
    if (len > 2 && is_condition(m + len - 2)) {
        memcpy(buf, m, len - 2);
        buf[len - 2] = '\0';
        if (in_list(buf, list)) {
            return true;
        }
        size_t l2 = len - 2;
        if (l2 > 1 && buf[l2 - 1] == 's') {
            buf[l2 - 1] = '\0';
            if (in_list(buf, list)) {
                *set_flags = true;
                return true;
            }
        }
    }
    return false;
}

static void decode_load_store(const struct parsed *p, struct insn_info *o, bool load, int n_data)
{
    int mem = first_memory_operand(p);
    if (mem < 0) {
        mem = p->n; /* malformed: treat every register as data */
    }
    uint16_t data = regs_of(p, 0, mem < n_data ? mem : n_data);
    uint16_t addr = 0;
    if (mem < p->n) {
        addr = p->ops[mem].regs;
        if (p->ops[mem].regs & ~(1u << REG_PC) && (__builtin_popcount(p->ops[mem].regs) > 1)) {
            o->flags |= IF_REG_OFFSET;
        }
        if (p->ops[mem].regs & (1u << REG_PC)) {
            o->flags |= IF_PC_RELATIVE;
        }
        /* post-indexed: "[r1], #4" or "[r1], r2" */
        if (mem + 1 < p->n) {
            o->flags |= IF_WRITEBACK;
            addr |= p->ops[mem + 1].regs;
            if (p->ops[mem + 1].regs) {
                o->flags |= IF_REG_OFFSET;
            }
        }
        if (p->writeback_mark) {
            o->flags |= IF_WRITEBACK;
        }
    }
    o->addr_regs = addr;
    if (load) {
        o->writes = data;
        o->reads = addr;
    } else {
        o->reads = (uint16_t)(data | addr);
    }
    if (o->flags & IF_WRITEBACK) {
        /* the base is the first register inside the brackets */
        const char *t = p->ops[mem].text + 1;
        while (*t == ' ') {
            t++;
        }
        size_t l = 0;
        while (isalnum((unsigned char)t[l])) {
            l++;
        }
        int base = core_reg(t, l);
        if (base >= 0) {
            o->writes |= (uint16_t)(1u << base);
        }
    }
}

static void decode_multiple(const struct parsed *p, struct insn_info *o, bool load, bool push_pop)
{
    int list = first_list_operand(p);
    uint16_t regs = list >= 0 ? p->ops[list].regs : 0;
    int count = list >= 0 ? p->ops[list].list_count : 0;
    uint16_t base = push_pop ? (uint16_t)(1u << REG_SP) : regs_of(p, 0, list >= 0 ? list : p->n);
    o->nregs = (uint8_t)count;
    o->addr_regs = base;
    if (push_pop || p->writeback_mark) {
        o->flags |= IF_WRITEBACK;
        o->writes |= base;
    }
    if (load) {
        o->writes |= regs;
        o->reads |= base;
    } else {
        o->reads |= (uint16_t)(regs | base);
    }
}

static void decode_parsed(struct parsed *p, uint32_t addr, unsigned size, struct insn_info *o);

void thumb_decode(const char *disas, uint32_t addr, unsigned size, struct insn_info *o)
{
    struct parsed p;
    parse(disas ? disas : "", &p);
    decode_parsed(&p, addr, size, o);
    /* Disassemblers that know the IT state print conditions on any mnemonic ("popne", "bleq"):
     * classify the unconditional form and mark branches conditional. */
    size_t len = strlen(p.mnemonic);
    if (o->cls == IC_UNKNOWN && len > 2 && is_condition(p.mnemonic + len - 2)) {
        p.mnemonic[len - 2] = '\0';
        decode_parsed(&p, addr, size, o);
        if (o->flags & IF_WRITES_PC) {
            o->flags |= IF_CONDITIONAL;
        }
    }
}

static void decode_parsed(struct parsed *pp, uint32_t addr, unsigned size, struct insn_info *o)
{
    const struct parsed p = *pp;
    memset(o, 0, sizeof(*o));
    o->addr = addr;
    o->size = (uint8_t)size;
    o->cls = IC_UNKNOWN;
    if (size == 4) {
        o->flags |= IF_WIDE;
    }
    const char *m = p.mnemonic;
    bool set_flags = false;

    /* Branches first: "b", "bl", "blx", "bx", "b<cond>", "cbz", "cbnz", "tbb", "tbh". */
    if (strcmp(m, "b") == 0 || strcmp(m, "bl") == 0 ||
        (m[0] == 'b' && strlen(m) == 3 && is_condition(m + 1))) {
        o->cls = IC_BRANCH;
        o->target = branch_target(&p);
        o->flags |= IF_WRITES_PC;
        if (strcmp(m, "bl") == 0) {
            o->flags |= IF_LINK;
            o->writes = 1u << REG_LR;
        } else if (strcmp(m, "b") != 0 && strcmp(m + 1, "al") != 0) {
            o->flags |= IF_CONDITIONAL;
        }
        return;
    }
    if (strcmp(m, "cbz") == 0 || strcmp(m, "cbnz") == 0) {
        o->cls = IC_BRANCH;
        o->target = branch_target(&p);
        o->reads = regs_of(&p, 0, 1);
        o->flags |= IF_WRITES_PC | IF_CONDITIONAL;
        return;
    }
    if (strncmp(m, "bx", 2) == 0 && (m[2] == '\0' || is_condition(m + 2))) {
        o->cls = IC_BRANCH_IND;
        o->reads = regs_of(&p, 0, p.n);
        o->flags |= IF_WRITES_PC;
        return;
    }
    if (strncmp(m, "blx", 3) == 0 && (m[3] == '\0' || is_condition(m + 3))) {
        o->cls = IC_BRANCH_IND;
        o->reads = regs_of(&p, 0, p.n);
        o->writes = 1u << REG_LR;
        o->flags |= IF_WRITES_PC | IF_LINK;
        return;
    }
    if (strcmp(m, "tbb") == 0 || strcmp(m, "tbh") == 0) {
        o->cls = IC_TABLE;
        o->reads = regs_of(&p, 0, p.n);
        o->addr_regs = o->reads;
        o->flags |= IF_WRITES_PC;
        return;
    }
    if (is_it(m)) {
        o->cls = IC_IT;
        o->nregs = (uint8_t)(strlen(m) - 1); /* instructions covered by the IT block */
        return;
    }
    if (strcmp(m, "dmb") == 0 || strcmp(m, "dsb") == 0) {
        o->cls = IC_BARRIER;
        return;
    }
    if (strcmp(m, "isb") == 0) {
        o->cls = IC_ISB;
        return;
    }
    if (match_with_suffixes(m, nop_ops, &set_flags)) {
        o->cls = IC_NOP;
        return;
    }
    if (match_with_suffixes(m, sys_ops, &set_flags)) {
        o->cls = IC_SYS;
        o->reads = regs_of(&p, 0, p.n);
        if (strncmp(m, "mrs", 3) == 0) {
            o->writes = regs_of(&p, 0, 1);
            o->reads = 0;
        }
        return;
    }

    /* Floating point. */
    if (m[0] == 'v') {
        if (in_list(m, fp_ldm_ops)) {
            bool push_pop = strcmp(m, "vpop") == 0 || strcmp(m, "vpush") == 0;
            o->cls = IC_FP_LDM;
            int list = first_list_operand(&p);
            o->nregs = (uint8_t)(list >= 0 ? p.ops[list].fp_words : 1);
            o->addr_regs = push_pop ? (uint16_t)(1u << REG_SP) : regs_of(&p, 0, 1);
            o->reads = o->addr_regs;
            if (push_pop || p.writeback_mark) {
                o->writes = o->addr_regs;
                o->flags |= IF_WRITEBACK;
            }
            return;
        }
        if (in_list(m, fp_stm_ops)) {
            bool push_pop = strcmp(m, "vpush") == 0;
            o->cls = IC_FP_STM;
            int list = first_list_operand(&p);
            o->nregs = (uint8_t)(list >= 0 ? p.ops[list].fp_words : 1);
            o->addr_regs = push_pop ? (uint16_t)(1u << REG_SP) : regs_of(&p, 0, 1);
            o->reads = o->addr_regs;
            if (push_pop || p.writeback_mark) {
                o->writes = o->addr_regs;
                o->flags |= IF_WRITEBACK;
            }
            return;
        }
        if (strcmp(m, "vldr") == 0 || strcmp(m, "vstr") == 0) {
            bool load = m[1] == 'l';
            o->cls = load ? IC_FP_LOAD : IC_FP_STORE;
            int mem = first_memory_operand(&p);
            o->addr_regs = mem >= 0 ? p.ops[mem].regs : 0;
            o->reads = o->addr_regs;
            if (mem >= 0 && (p.ops[mem].regs & (1u << REG_PC))) {
                o->flags |= IF_PC_RELATIVE;
            }
            /* a D register moves two words */
            o->nregs = (uint8_t)(p.n > 0 && p.ops[0].fp_words ? p.ops[0].fp_words : 1);
            return;
        }
        if (strcmp(m, "vmrs") == 0 || strcmp(m, "vmsr") == 0) {
            o->cls = IC_FP_MOV_CORE;
            uint16_t r = regs_of(&p, 0, p.n);
            if (m[2] == 'r') {
                o->writes = r;
            } else {
                o->reads = r;
            }
            return;
        }
        if (strcmp(m, "vmov") == 0) {
            uint16_t core = regs_of(&p, 0, p.n);
            int ncore = __builtin_popcount(core);
            if (ncore == 0) {
                o->cls = IC_FP_ALU;
                return;
            }
            o->cls = ncore >= 2 ? IC_FP_MOV_CORE2 : IC_FP_MOV_CORE;
            /* core registers first means FP -> core */
            bool to_core = p.n > 0 && p.ops[0].regs != 0;
            if (to_core) {
                o->writes = core;
            } else {
                o->reads = core;
            }
            return;
        }
        if (in_list(m, fp_mac_ops)) {
            o->cls = IC_FP_MAC;
            return;
        }
        if (in_list(m, fp_div_ops)) {
            o->cls = IC_FP_DIV;
            return;
        }
        if (in_list(m, fp_alu_ops)) {
            o->cls = IC_FP_ALU;
            return;
        }
        o->cls = IC_FP_ALU; /* other VFP data processing */
        return;
    }

    /* Loads and stores. */
    if (match_with_suffixes(m, ldm_ops, &set_flags) || strcmp(m, "pop") == 0) {
        o->cls = IC_LDM;
        decode_multiple(&p, o, true, strcmp(m, "pop") == 0);
        if (o->writes & (1u << REG_PC)) {
            o->flags |= IF_WRITES_PC;
        }
        return;
    }
    if (match_with_suffixes(m, stm_ops, &set_flags) || strcmp(m, "push") == 0) {
        o->cls = IC_STM;
        decode_multiple(&p, o, false, strcmp(m, "push") == 0);
        return;
    }
    if (strcmp(m, "ldrd") == 0 || strcmp(m, "ldrexd") == 0) {
        o->cls = IC_LOADD;
        decode_load_store(&p, o, true, 2);
        return;
    }
    if (strcmp(m, "strd") == 0) {
        o->cls = IC_STORED;
        decode_load_store(&p, o, false, 2);
        return;
    }
    if (match_with_suffixes(m, strex_ops, &set_flags)) {
        o->cls = IC_STREX;
        decode_load_store(&p, o, false, 2);
        uint16_t status = regs_of(&p, 0, 1);
        o->reads &= (uint16_t)~status;
        o->writes |= status;
        return;
    }
    if (match_with_suffixes(m, load_ops, &set_flags)) {
        o->cls = IC_LOAD;
        decode_load_store(&p, o, true, 1);
        if (o->writes & (1u << REG_PC)) {
            o->flags |= IF_WRITES_PC;
        }
        return;
    }
    if (match_with_suffixes(m, store_ops, &set_flags)) {
        o->cls = IC_STORE;
        decode_load_store(&p, o, false, 1);
        return;
    }

    /* Multiplies and divides. */
    if (strcmp(m, "sdiv") == 0 || strcmp(m, "udiv") == 0) {
        o->cls = IC_DIV;
        o->writes = regs_of(&p, 0, 1);
        o->reads = regs_of(&p, 1, p.n);
        return;
    }
    if (strcmp(m, "mla") == 0 || strcmp(m, "mls") == 0 || strcmp(m, "mlas") == 0) {
        o->cls = IC_MLA;
        o->writes = regs_of(&p, 0, 1);
        o->reads = regs_of(&p, 1, p.n);
        o->acc_regs = regs_of(&p, 3, 4);
        return;
    }
    if (strcmp(m, "umull") == 0 || strcmp(m, "smull") == 0 || strcmp(m, "umulls") == 0 ||
        strcmp(m, "smulls") == 0) {
        o->cls = IC_MULL;
        o->writes = regs_of(&p, 0, 2);
        o->reads = regs_of(&p, 2, p.n);
        return;
    }
    if (match_with_suffixes(m, mlal_ops, &set_flags)) {
        o->cls = IC_MLAL;
        o->writes = regs_of(&p, 0, 2);
        o->acc_regs = o->writes;
        o->reads = (uint16_t)(regs_of(&p, 2, p.n) | o->writes);
        o->flags |= IF_DSP;
        return;
    }
    if (match_with_suffixes(m, mac_ops, &set_flags)) {
        o->cls = IC_MAC;
        o->writes = regs_of(&p, 0, 1);
        o->reads = regs_of(&p, 1, p.n);
        o->acc_regs = regs_of(&p, 3, 4);
        o->flags |= IF_DSP;
        return;
    }
    if (match_with_suffixes(m, mul_ops, &set_flags)) {
        o->cls = IC_MUL;
        o->writes = regs_of(&p, 0, 1);
        o->reads = regs_of(&p, p.n >= 3 ? 1 : 0, p.n);
        if (strcmp(m, "mul") != 0 && strcmp(m, "muls") != 0) {
            o->flags |= IF_DSP;
        }
        return;
    }

    /* Data processing. */
    if (match_with_suffixes(m, alu_ops, &set_flags) || is_parallel_addsub(m)) {
        o->cls = IC_ALU;
        /* cmp/cmn/tst/teq (possibly with a condition) have no destination */
        bool compare = false;
        for (int i = 0; compare_ops[i]; i++) {
            if (strncmp(m, compare_ops[i], 3) == 0) {
                compare = true;
            }
        }
        if (compare) {
            o->reads = regs_of(&p, 0, p.n);
        } else {
            o->writes = regs_of(&p, 0, 1);
            o->reads = regs_of(&p, 1, p.n);
            bool unary = false;
            for (int i = 0; unary_ops[i]; i++) {
                if (strncmp(m, unary_ops[i], strlen(unary_ops[i])) == 0 &&
                    (m[strlen(unary_ops[i])] == '\0' || m[strlen(unary_ops[i])] == 's' ||
                     is_condition(m + strlen(unary_ops[i])))) {
                    unary = true;
                }
            }
            /* two-operand forms ("adds r0, #1", "ands r0, r1") also read the destination, as do
             * MOVT and BFI which keep part of it */
            if ((p.n == 2 && !unary) || strncmp(m, "movt", 4) == 0 || strncmp(m, "bfi", 3) == 0 ||
                strncmp(m, "bfc", 3) == 0) {
                o->reads |= o->writes;
            }
        }
        char stem[MAX_MNEMONIC];
        size_t stem_len = strlen(m) < 3 ? strlen(m) : 3;
        memcpy(stem, m, stem_len);
        stem[stem_len] = '\0';
        if (any_shift(&p) || in_list(m, extend_bitfield_ops) || in_list(stem, extend_bitfield_ops)) {
            o->flags |= IF_SHIFTED;
        }
        if (in_list(m, dsp_alu_ops) || is_parallel_addsub(m)) {
            o->flags |= IF_DSP;
        }
        if (o->writes & (1u << REG_PC)) {
            o->cls = IC_BRANCH_IND;
            o->flags |= IF_WRITES_PC;
        }
        return;
    }
}
