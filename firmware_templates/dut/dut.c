/*
 * tinyhil device-under-test firmware: the MLPerf Tiny performance-mode serial protocol plus
 * tinyhil's extension commands, running the model found in the plan slot at boot.
 *
 * Host -> DUT: ASCII tokens separated by spaces, terminated by '%', at most 80 characters.
 * DUT -> host: lines ending in CRLF; "m-" messages, "e-[...]" errors; every reply ends "m-ready".
 * Nothing the host sends can hang or reset the firmware: every bad input gets an e-[...] line,
 * and any byte received during a long `infer` stops it between two inferences.
 *
 * MLPerf Tiny commands: name, profile, timestamp, db load N, db <hex>, db print, infer N W, results.
 * Extensions: identity, plan, arena, cycles, tensor I L, help.
 */
#include <stdint.h>
#include <string.h>

#include "th_board.h"
#include "th_console.h"
#include "th_engine.h"
#include "th_engine_impl.h"
#include "th_plan_slot.h"
#include "th_time.h"
#include "th_timing_markers.h"

#define TH_CMD_MAX_CHARS 80u
#define TH_MAX_TOKENS 8u
#define TH_DEFAULT_WARMUP 10u
#define TH_PROFILE_NAME "ULPMark for tinyML Firmware V0.0.1"
#define TH_STACK_PAINT 0xA5A5A5A5u
#define TH_TENSOR_LINE_BYTES 32u
#define TH_ARENA_ALIGN 16u

#if TH_TWIN
#define TH_VARIANT "twin"
#define TH_DUT_NAME "tinyhil-" TH_BOARD_NAME "@twin"
#else
#define TH_VARIANT "real"
#define TH_DUT_NAME "tinyhil-" TH_BOARD_NAME
#endif

/* From the generated linker script. */
extern uint8_t __arena_start[];
extern uint8_t __arena_end[];
extern uint8_t __plan_slot_start[];
extern uint8_t __plan_slot_end[];
extern uint32_t __stack_limit[];
extern uint32_t __stack_top[];

static th_engine_t s_engine;

static struct {
    int slot_status;
    int plan_status; /* TH_OK when the plan validated and the engine bound it */
    th_slot_t slot;
    th_plan_info_t info;
    uint8_t *arena;
    uint32_t arena_region_bytes;
    uint32_t arena_used;
    uint8_t *db;
    uint32_t db_capacity;
    uint32_t db_expected;
    uint32_t db_received;
    int have_results;
    uint32_t cycles_n;
    uint64_t cycles_total;
    uint32_t cycles_min;
    uint32_t cycles_max;
} s_dut;

/* ---- reply helpers ---------------------------------------------------------------------- */

static void put_line(const char *s)
{
    th_console_puts(s);
    th_console_puts("\r\n");
}

/* Echoes host text safely: printable ASCII except ']' as is, anything else as '?'. */
static void put_sanitised(const char *s)
{
    for (uint32_t i = 0u; s[i] != '\0' && i < TH_CMD_MAX_CHARS; ++i) {
        char c = s[i];
        th_console_putc((c >= 0x20 && c < 0x7F && c != ']') ? c : '?');
    }
}

static void put_error(const char *what, const char *detail)
{
    th_console_puts("e-[");
    th_console_puts(what);
    if (detail != 0) {
        put_sanitised(detail);
    }
    put_line("]");
}

static void put_kv_u(const char *key, uint64_t value)
{
    th_console_puts("m-");
    th_console_puts(key);
    th_console_puts("-[");
    th_console_put_u64(value);
    put_line("]");
}

static void put_kv_s(const char *key, const char *value)
{
    th_console_puts("m-");
    th_console_puts(key);
    th_console_puts("-[");
    th_console_puts(value);
    put_line("]");
}

/* ---- parsing ---------------------------------------------------------------------------- */

/* Strict decimal: digits only, at most 2^32-1. Returns 0 on success. */
static int parse_u32(const char *s, uint32_t *out)
{
    uint64_t v = 0u;
    if (*s == '\0') {
        return -1;
    }
    for (; *s != '\0'; ++s) {
        if (*s < '0' || *s > '9') {
            return -1;
        }
        v = v * 10u + (uint64_t)(*s - '0');
        if (v > 0xFFFFFFFFu) {
            return -1;
        }
    }
    *out = (uint32_t)v;
    return 0;
}

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static uint32_t split_tokens(char *line, char **tokens)
{
    uint32_t n = 0u;
    char *p = line;
    while (*p != '\0') {
        while (*p == ' ') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        if (n == TH_MAX_TOKENS) {
            return TH_MAX_TOKENS + 1u; /* too many */
        }
        tokens[n++] = p;
        while (*p != '\0' && *p != ' ') {
            ++p;
        }
    }
    return n;
}

/* ---- plan and engine --------------------------------------------------------------------- */

static const char *plan_status_text(void)
{
    if (s_dut.slot_status != TH_SLOT_OK) {
        return th_slot_strerror(s_dut.slot_status);
    }
    return s_dut.plan_status == TH_OK ? "ok" : th_strerror(s_dut.plan_status);
}

static void plan_load(void)
{
    uint32_t slot_bytes = (uint32_t)(__plan_slot_end - __plan_slot_start);
    s_dut.arena = __arena_start;
    s_dut.arena_region_bytes = (uint32_t)(__arena_end - __arena_start);
    s_dut.arena_used = 0u;
    s_dut.plan_status = TH_ERR_STATE;
    memset(&s_dut.info, 0, sizeof(s_dut.info));

    s_dut.slot_status = th_slot_read(__plan_slot_start, slot_bytes, &s_dut.slot);
    if (s_dut.slot_status == TH_SLOT_OK) {
        int rc = th_plan_validate(s_dut.slot.plan, s_dut.slot.plan_bytes, &s_dut.info);
        if (rc == TH_OK) {
            uint32_t need = (s_dut.info.arena_bytes + TH_ARENA_ALIGN - 1u) & ~(TH_ARENA_ALIGN - 1u);
            if (need > s_dut.arena_region_bytes) {
                rc = TH_ERR_ARENA;
            } else {
                rc = th_engine_init(&s_engine, s_dut.slot.plan, s_dut.slot.plan_bytes, s_dut.arena,
                                    need);
                if (rc == TH_OK) {
                    s_dut.arena_used = need;
                }
            }
        }
        s_dut.plan_status = rc;
    }
    /* The input buffer of the `db` commands is the part of the arena region the plan leaves. */
    s_dut.db = s_dut.arena + s_dut.arena_used;
    s_dut.db_capacity = s_dut.arena_region_bytes - s_dut.arena_used;
}

static int plan_ready(void)
{
    if (s_dut.slot_status == TH_SLOT_OK && s_dut.plan_status == TH_OK) {
        return 1;
    }
    put_error("No valid plan: ", plan_status_text());
    return 0;
}

/* The loaded input, checked against the model. Prints the error and returns 0 when unusable. */
static int input_ready(void)
{
    if (s_dut.db_expected == 0u) {
        put_error("No input loaded: send 'db load N' and the bytes first", 0);
        return 0;
    }
    if (s_dut.db_received != s_dut.db_expected) {
        th_console_puts("e-[Input incomplete: ");
        th_console_put_u64(s_dut.db_received);
        th_console_puts(" of ");
        th_console_put_u64(s_dut.db_expected);
        put_line(" bytes loaded]");
        return 0;
    }
    if (s_dut.db_expected != s_dut.info.input_bytes) {
        th_console_puts("e-[Input has ");
        th_console_put_u64(s_dut.db_expected);
        th_console_puts(" bytes, the model expects ");
        th_console_put_u64(s_dut.info.input_bytes);
        put_line("]");
        return 0;
    }
    return 1;
}

static int copy_input(void)
{
    uint32_t bytes = 0u;
    uint8_t *input = th_engine_input(&s_engine, &bytes);
    if (input == 0 || bytes != s_dut.db_received) {
        return TH_ERR_STATE;
    }
    memcpy(input, s_dut.db, bytes);
    return TH_OK;
}

static int run_inference(int timed)
{
    int rc = copy_input();
    if (rc != TH_OK) {
        return rc;
    }
    if (!timed) {
        return th_engine_invoke(&s_engine);
    }
    th_timing_region_begin();
    uint32_t c0 = th_cycles_now();
    rc = th_engine_invoke(&s_engine);
    uint32_t c1 = th_cycles_now();
    th_timing_region_end();
    uint32_t cycles = c1 - c0;
    s_dut.cycles_n++;
    s_dut.cycles_total += cycles;
    if (s_dut.cycles_n == 1u || cycles < s_dut.cycles_min) {
        s_dut.cycles_min = cycles;
    }
    if (cycles > s_dut.cycles_max) {
        s_dut.cycles_max = cycles;
    }
    return rc;
}

/* ---- commands ------------------------------------------------------------------------- */

static void put_timestamp(void)
{
    th_console_puts("m-lap-us-");
    th_console_put_u64(th_time_us());
    th_console_puts("\r\n");
}

static void cmd_results(void)
{
    uint32_t bytes = 0u;
    const uint8_t *out = th_engine_output(&s_engine, &bytes);
    if (out == 0) {
        put_error("No results: the engine has no output", 0);
        return;
    }
    th_console_puts("m-results-[");
    if (s_dut.info.output_type == TH_TYPE_FLOAT32 || s_dut.info.output_type == TH_TYPE_INT32) {
        for (uint32_t i = 0u; i + 4u <= bytes; i += 4u) {
            uint32_t word;
            memcpy(&word, out + i, sizeof(word));
            if (i != 0u) {
                th_console_putc(',');
            }
            if (s_dut.info.output_type == TH_TYPE_INT32) {
                th_console_put_i32((int32_t)word);
            } else {
                float f;
                memcpy(&f, &word, sizeof(f));
                th_console_put_fixed3(f);
            }
        }
    } else {
        for (uint32_t i = 0u; i < bytes; ++i) {
            if (i != 0u) {
                th_console_putc(',');
            }
            th_console_put_i32((int8_t)out[i]);
        }
    }
    put_line("]");
}

static void cmd_db(char **tok, uint32_t n)
{
    if (n < 2u) {
        put_error("Command 'db' requires a subcommand", 0);
        return;
    }
    if (strcmp(tok[1], "load") == 0) {
        uint32_t bytes = 0u;
        if (n < 3u) {
            put_error("Command 'db load' requires the # of bytes", 0);
        } else if (n > 3u) {
            put_error("Command 'db load' takes one argument, got extra: ", tok[3]);
        } else if (parse_u32(tok[2], &bytes) != 0) {
            put_error("Command 'db load': not a byte count: ", tok[2]);
        } else if (bytes == 0u) {
            put_error("Command 'db load' must be >0 bytes", 0);
        } else if (bytes > s_dut.db_capacity) {
            th_console_puts("e-[Command 'db load': ");
            th_console_put_u64(bytes);
            th_console_puts(" bytes do not fit the ");
            th_console_put_u64(s_dut.db_capacity);
            put_line("-byte input buffer]");
        } else {
            s_dut.db_expected = bytes;
            s_dut.db_received = 0u;
            th_console_puts("m-[Expecting ");
            th_console_put_u64(bytes);
            put_line(" bytes]");
        }
        return;
    }
    if (strcmp(tok[1], "print") == 0) {
        if (n > 2u) {
            put_error("Command 'db print' takes no argument, got: ", tok[2]);
            return;
        }
        for (uint32_t i = 0u; i < s_dut.db_received; ++i) {
            if (i % 8u == 0u) {
                th_console_puts("m-buffer-");
            }
            th_console_put_hex8(s_dut.db[i]);
            th_console_puts((i % 8u == 7u || i + 1u == s_dut.db_received) ? "\r\n" : "-");
        }
        return;
    }
    /* db <hex> [<hex> ...]: validate everything before storing anything. */
    if (s_dut.db_expected == 0u) {
        put_error("Unexpected data: send 'db load N' first", 0);
        return;
    }
    if (s_dut.db_received == s_dut.db_expected) {
        th_console_puts("e-[Too many bytes: all ");
        th_console_put_u64(s_dut.db_expected);
        put_line(" announced bytes are already loaded]");
        return;
    }
    uint32_t total = 0u;
    for (uint32_t t = 1u; t < n; ++t) {
        uint32_t len = (uint32_t)strlen(tok[t]);
        if ((len & 1u) != 0u) {
            s_dut.db_expected = 0u;
            s_dut.db_received = 0u;
            put_error("Odd number of hex digits (load aborted): ", tok[t]);
            return;
        }
        for (uint32_t i = 0u; i < len; ++i) {
            if (hex_nibble(tok[t][i]) < 0) {
                char bad[3] = {tok[t][i & ~1u], tok[t][i | 1u], '\0'};
                s_dut.db_expected = 0u;
                s_dut.db_received = 0u;
                put_error("Invalid hex digit (load aborted): ", bad);
                return;
            }
        }
        total += len / 2u;
    }
    uint32_t remaining = s_dut.db_expected - s_dut.db_received;
    if (total > remaining) {
        th_console_puts("e-[Too many bytes: got ");
        th_console_put_u64(total);
        th_console_puts(", expected at most ");
        th_console_put_u64(remaining);
        put_line(" (load aborted)]");
        s_dut.db_expected = 0u;
        s_dut.db_received = 0u;
        return;
    }
    for (uint32_t t = 1u; t < n; ++t) {
        for (const char *p = tok[t]; *p != '\0'; p += 2) {
            s_dut.db[s_dut.db_received++] = (uint8_t)((hex_nibble(p[0]) << 4) | hex_nibble(p[1]));
        }
    }
    if (s_dut.db_received == s_dut.db_expected) {
        put_line("m-load-done");
    }
}

static void put_interrupted(const char *phase, uint32_t done, uint32_t total)
{
    th_console_puts("e-[Interrupted by host input during ");
    th_console_puts(phase);
    th_console_puts(" after ");
    th_console_put_u64(done);
    th_console_puts(" of ");
    th_console_put_u64(total);
    put_line("]");
}

static void cmd_infer(char **tok, uint32_t n)
{
    uint32_t count = 1u;
    uint32_t warmup = TH_DEFAULT_WARMUP;
    if (n > 3u) {
        put_error("Command 'infer' takes at most 2 arguments (N W), got extra: ", tok[3]);
        return;
    }
    if (n >= 2u && parse_u32(tok[1], &count) != 0) {
        put_error("Command 'infer': not an iteration count: ", tok[1]);
        return;
    }
    if (count == 0u) {
        put_error("Inference iterations must be >0", 0);
        return;
    }
    if (n >= 3u && parse_u32(tok[2], &warmup) != 0) {
        put_error("Command 'infer': not a warmup count: ", tok[2]);
        return;
    }
    if (!plan_ready() || !input_ready()) {
        return;
    }
    /* Twins: start on a SysTick boundary so interrupts fall on the same instructions every run. */
    th_board_align_to_tick();
    s_dut.have_results = 0;
    s_dut.cycles_n = 0u;
    s_dut.cycles_total = 0u;
    s_dut.cycles_min = 0u;
    s_dut.cycles_max = 0u;

    th_console_puts("m-warmup-start-");
    th_console_put_u64(warmup);
    th_console_puts("\r\n");
    for (uint32_t i = 0u; i < warmup; ++i) {
        if (th_console_rx_ready()) {
            put_interrupted("warmup", i, warmup);
            return;
        }
        int rc = run_inference(0);
        if (rc != TH_OK) {
            put_error("Inference failed: ", th_strerror(rc));
            return;
        }
    }
    put_line("m-warmup-done");
    th_console_puts("m-infer-start-");
    th_console_put_u64(count);
    th_console_puts("\r\n");
    put_timestamp();
    int rc = TH_OK;
    uint32_t done = 0u;
    /* Any byte from the host stops a long run between two inferences (it stays for the parser). */
    for (; done < count && rc == TH_OK && !th_console_rx_ready(); ++done) {
        rc = run_inference(1);
    }
    put_timestamp();
    if (rc != TH_OK) {
        put_error("Inference failed: ", th_strerror(rc));
        return;
    }
    if (done < count) {
        put_interrupted("timed inference", done, count);
        return;
    }
    put_line("m-infer-done");
    s_dut.have_results = 1;
    cmd_results();
}

static void cmd_identity(void)
{
    put_kv_s("board", TH_BOARD_NAME);
    put_kv_s("core", TH_CORE_NAME);
    put_kv_u("clock-hz", TH_CORE_HZ);
    put_kv_s("variant", TH_VARIANT);
    put_kv_s("firmware", TH_FW_ID);
    put_kv_s("cycle-counter", th_board_has_cycle_counter() ? "dwt" : "none");
}

static void cmd_plan(void)
{
    put_kv_s("plan-status", plan_status_text());
    th_console_puts("m-plan-slot-[");
    th_console_put_hex32((uint32_t)(uintptr_t)__plan_slot_start);
    th_console_putc(',');
    th_console_put_u64((uint32_t)(__plan_slot_end - __plan_slot_start));
    put_line("]");
    if (s_dut.slot_status != TH_SLOT_OK) {
        return;
    }
    put_kv_s("plan-model", s_dut.slot.model[0] != '\0' ? s_dut.slot.model : "none");
    put_kv_u("plan-bytes", s_dut.slot.plan_bytes);
    if (s_dut.plan_status != TH_OK && s_dut.info.plan_bytes == 0u) {
        return; /* validation failed before the header was read */
    }
    th_console_puts("m-plan-hash-[");
    th_console_put_hex32(s_dut.info.plan_crc32);
    put_line("]");
    put_kv_u("plan-version", s_dut.info.format_version);
    put_kv_u("plan-ops", s_dut.info.n_ops);
    put_kv_u("plan-tensors", s_dut.info.n_tensors);
    put_kv_u("plan-weights", s_dut.info.weights_bytes);
    put_kv_u("plan-arena", s_dut.info.arena_bytes);
    th_console_puts("m-plan-input-[");
    th_console_put_u64(s_dut.info.input_bytes);
    th_console_putc(',');
    th_console_put_u64(s_dut.info.input_type);
    put_line("]");
    th_console_puts("m-plan-output-[");
    th_console_put_u64(s_dut.info.output_bytes);
    th_console_putc(',');
    th_console_put_u64(s_dut.info.output_type);
    put_line("]");
}

static uint32_t stack_used(void)
{
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == TH_STACK_PAINT) {
        ++p;
    }
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

static void cmd_arena(void)
{
    put_kv_u("arena-used", s_dut.arena_used);
    put_kv_u("arena-size", s_dut.arena_region_bytes);
    put_kv_u("input-buffer", s_dut.db_capacity);
    put_kv_u("stack-used", stack_used());
    put_kv_u("stack-size", (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_limit));
}

static void cmd_cycles(void)
{
    th_console_puts("m-cycles-[");
    th_console_put_u64(s_dut.cycles_n);
    th_console_putc(',');
    th_console_put_u64(s_dut.cycles_total);
    th_console_putc(',');
    th_console_put_u64(s_dut.cycles_min);
    th_console_putc(',');
    th_console_put_u64(s_dut.cycles_max);
    put_line("]");
}

static void cmd_tensor(char **tok, uint32_t n)
{
    uint32_t index = 0u;
    uint32_t last_op = 0u;
    if (n != 3u) {
        put_error("Command 'tensor' takes 2 arguments: tensor index, last op", 0);
        return;
    }
    if (parse_u32(tok[1], &index) != 0 || index > 0xFFFFu) {
        put_error("Command 'tensor': not a tensor index: ", tok[1]);
        return;
    }
    if (parse_u32(tok[2], &last_op) != 0 || last_op > 0xFFFFu) {
        put_error("Command 'tensor': not an op index: ", tok[2]);
        return;
    }
    if (!plan_ready() || !input_ready()) {
        return;
    }
    if (last_op >= s_dut.info.n_ops) {
        th_console_puts("e-[Command 'tensor': op ");
        th_console_put_u64(last_op);
        th_console_puts(" out of range, the plan has ");
        th_console_put_u64(s_dut.info.n_ops);
        put_line(" ops]");
        return;
    }
    th_board_align_to_tick();
    s_dut.have_results = 0; /* the output tensor is not final after a partial run */
    int rc = copy_input();
    if (rc == TH_OK) {
        rc = th_engine_invoke_until(&s_engine, (uint16_t)last_op);
    }
    const uint8_t *data = 0;
    uint32_t bytes = 0u;
    if (rc == TH_OK) {
        rc = th_engine_tensor(&s_engine, (uint16_t)index, &data, &bytes);
    }
    if (rc != TH_OK) {
        put_error("Command 'tensor' failed: ", th_strerror(rc));
        return;
    }
    th_console_puts("m-tensor-[");
    th_console_put_u64(index);
    th_console_putc(',');
    th_console_put_u64(bytes);
    put_line("]");
    for (uint32_t i = 0u; i < bytes; ++i) {
        if (i % TH_TENSOR_LINE_BYTES == 0u) {
            th_console_puts("m-tensor-data-");
        }
        th_console_put_hex8(data[i]);
        if (i % TH_TENSOR_LINE_BYTES == TH_TENSOR_LINE_BYTES - 1u || i + 1u == bytes) {
            th_console_puts("\r\n");
        }
    }
    put_line("m-tensor-done");
}

static void cmd_help(void)
{
    put_line("m-help-[name profile timestamp results]");
    put_line("m-help-[db load N | db <hex> | db print]");
    put_line("m-help-[infer N W (N>0 timed after W warmup, W defaults to 10)]");
    put_line("m-help-[identity plan arena cycles | tensor I L (tensor I after ops 0..L)]");
}

static void dispatch(char *line)
{
    char *tok[TH_MAX_TOKENS];
    uint32_t n = split_tokens(line, tok);
    if (n == 0u) {
        put_error("Empty command", 0);
        return;
    }
    if (n > TH_MAX_TOKENS) {
        put_error("Too many arguments", 0);
        return;
    }
    const char *cmd = tok[0];
    int bare = (n == 1u);
    if (strcmp(cmd, "db") == 0) {
        cmd_db(tok, n);
    } else if (strcmp(cmd, "infer") == 0) {
        cmd_infer(tok, n);
    } else if (strcmp(cmd, "tensor") == 0) {
        cmd_tensor(tok, n);
    } else if (!bare && (strcmp(cmd, "name") == 0 || strcmp(cmd, "profile") == 0 ||
                         strcmp(cmd, "timestamp") == 0 || strcmp(cmd, "results") == 0 ||
                         strcmp(cmd, "identity") == 0 || strcmp(cmd, "plan") == 0 ||
                         strcmp(cmd, "arena") == 0 || strcmp(cmd, "cycles") == 0 ||
                         strcmp(cmd, "help") == 0)) {
        put_error("This command takes no argument, got: ", tok[1]);
    } else if (strcmp(cmd, "name") == 0) {
        put_line("m-name-dut-[" TH_DUT_NAME "]");
    } else if (strcmp(cmd, "profile") == 0) {
        put_line("m-profile-[" TH_PROFILE_NAME "]");
        put_kv_s("model", (s_dut.slot_status == TH_SLOT_OK && s_dut.slot.model[0] != '\0')
                              ? s_dut.slot.model
                              : "none");
    } else if (strcmp(cmd, "timestamp") == 0) {
        put_timestamp();
    } else if (strcmp(cmd, "results") == 0) {
        if (!s_dut.have_results) {
            put_error("No results: run 'infer' first", 0);
        } else {
            cmd_results();
        }
    } else if (strcmp(cmd, "identity") == 0) {
        cmd_identity();
    } else if (strcmp(cmd, "plan") == 0) {
        cmd_plan();
    } else if (strcmp(cmd, "arena") == 0) {
        cmd_arena();
    } else if (strcmp(cmd, "cycles") == 0) {
        cmd_cycles();
    } else if (strcmp(cmd, "help") == 0) {
        cmd_help();
    } else {
        put_error("Unknown command: ", cmd);
    }
}

/* ---- main loop --------------------------------------------------------------------------- */

static void paint_stack(void)
{
    uint32_t here;
    uint32_t *p = __stack_limit;
    uint32_t *end = (uint32_t *)((uintptr_t)&here - 256u); /* stay clear of the live frames */
    while (p < end) {
        *p++ = TH_STACK_PAINT;
    }
}

int main(void)
{
    paint_stack();
    th_time_init(th_board_systick_hz());
    th_cycles_init();
    plan_load();

    put_line("m-timestamp-mode-performance");
    put_timestamp();
    if (s_dut.slot_status != TH_SLOT_OK || s_dut.plan_status != TH_OK) {
        put_error("Plan slot: ", plan_status_text());
    }
    put_line("m-init-done");
    put_line("m-ready");

    static char line[TH_CMD_MAX_CHARS + 1u];
    uint32_t len = 0u;
    int overflow = 0;
    for (;;) {
        int c = th_console_getc();
        if (c == '%') {
            if (overflow) {
                put_error("Command too long: more than 80 characters", 0);
            } else {
                line[len] = '\0';
                dispatch(line);
            }
            put_line("m-ready");
            len = 0u;
            overflow = 0;
        } else if (c == '\r' || c == '\n') {
            /* line ends are not part of a command */
        } else if (len < TH_CMD_MAX_CHARS) {
            line[len++] = (char)c;
        } else {
            overflow = 1;
        }
    }
}
