/*
 * tinyhil's bare-metal port layer for EEMBC CoreMark on the emulated twins (mps2-an386 / mps2-an500).
 *
 * Written for tinyhil; it contains no CoreMark code. It provides the types, switches and hooks
 * CoreMark's sources expect from a port (see bench/coremark_calibration.py, which compiles this
 * directory together with a CoreMark source tree given on its command line).
 *
 * Timing is out of band: start_time()/stop_time() call tinyhil_coremark_begin()/_end(), whose
 * addresses the timing plugin watches; the guest's own clock is not used (get_time() returns 0).
 */
#ifndef TINYHIL_COREMARK_PORTME_H
#define TINYHIL_COREMARK_PORTME_H

#include <stddef.h>
#include <stdint.h>

#define HAS_FLOAT 0
#define HAS_TIME_H 0
#define USE_CLOCK 0
#define HAS_STDIO 0
#define HAS_PRINTF 0
#define MAIN_HAS_NOARGC 1
#define MAIN_HAS_NORETURN 0
#define SEED_METHOD SEED_VOLATILE
#define MEM_METHOD MEM_STACK
#define MULTITHREAD 1
#define USE_PTHREAD 0
#define USE_FORK 0
#define USE_SOCKET 0

#ifndef COMPILER_VERSION
#define COMPILER_VERSION "GCC" __VERSION__
#endif
#ifndef COMPILER_FLAGS
#define COMPILER_FLAGS "(see bench/coremark_calibration.py)"
#endif
#ifndef MEM_LOCATION
#define MEM_LOCATION "STACK"
#endif

typedef int16_t ee_s16;
typedef uint16_t ee_u16;
typedef int32_t ee_s32;
typedef float ee_f32;
typedef uint8_t ee_u8;
typedef uint32_t ee_u32;
typedef uint32_t ee_ptr_int;
typedef size_t ee_size_t;

/* round a pointer up to the next 32-bit boundary */
#define align_mem(x) ((void *)(((ee_ptr_int)(x) + 3u) & ~(ee_ptr_int)3u))

#define CORETIMETYPE ee_u32
typedef ee_u32 CORE_TICKS;

typedef struct core_portable_s {
    ee_u8 portable_id;
} core_portable;

extern ee_u32 default_num_contexts;

void portable_init(core_portable *p, int *argc, char *argv[]);
void portable_fini(core_portable *p);
int ee_printf(const char *fmt, ...);

/* Region markers for the timing plugin. */
void tinyhil_coremark_begin(void);
void tinyhil_coremark_end(void);

#endif /* TINYHIL_COREMARK_PORTME_H */
