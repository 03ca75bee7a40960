/*
 * Declarations of the QEMU TCG plugin API, version 1 (QEMU 7.2), as far as tinyhil's timing
 * plugin uses it.
 *
 * Written for tinyhil from the plugin API described in QEMU's documentation (docs/devel/tcg-plugins);
 * Debian's qemu-system-arm 7.2 accepts plugins but does not ship a development header. Only the
 * functions, types and constants below are declared; their names, argument order and the layout of
 * qemu_info_t must match what QEMU 7.2 exports, which is API version 1.
 *
 * QEMU resolves these symbols from its own executable when it dlopen()s the plugin.
 */
#ifndef TINYHIL_QEMU_PLUGIN_H
#define TINYHIL_QEMU_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))

/* The plugin API version this header describes; exported by the plugin as qemu_plugin_version. */
#define TINYHIL_QEMU_PLUGIN_API_VERSION 1

/* Identifies the plugin in calls back into QEMU. */
typedef uint64_t qemu_plugin_id_t;

/* What QEMU tells the plugin when installing it. */
typedef struct qemu_info_t {
    const char *target_name; /* e.g. "arm" */
    struct {
        int min; /* oldest plugin API version QEMU still accepts */
        int cur; /* QEMU's own plugin API version */
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;

/* Opaque handles, valid only inside the translation callback that received them. */
struct qemu_plugin_tb;
struct qemu_plugin_insn;

/* Whether a callback reads or writes the guest's CPU registers. */
enum qemu_plugin_cb_flags {
    QEMU_PLUGIN_CB_NO_REGS,
    QEMU_PLUGIN_CB_R_REGS,
    QEMU_PLUGIN_CB_RW_REGS,
};

/* Inline operations QEMU emits directly into translated code. */
enum qemu_plugin_op {
    QEMU_PLUGIN_INLINE_ADD_U64,
};

typedef void (*qemu_plugin_simple_cb_t)(qemu_plugin_id_t id);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_simple_cb_t)(qemu_plugin_id_t id, unsigned int vcpu_index);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

/* Entry point the plugin defines; returning non-zero makes QEMU refuse to start. */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv);

/* Registration of callbacks. */
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

/* Queries about a block and its instructions, at translation time. */
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
char *qemu_plugin_insn_disas(const struct qemu_plugin_insn *insn); /* caller frees (g_free/free) */

/* Text output to QEMU's log (-d plugin -D file). */
void qemu_plugin_outs(const char *string);

#endif /* TINYHIL_QEMU_PLUGIN_H */
