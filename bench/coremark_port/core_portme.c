/*
 * tinyhil's CoreMark port layer: start-up, console through semihosting, out-of-band timing hooks.
 * Written for tinyhil; contains no CoreMark code (see core_portme.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "coremark.h"

#ifndef ITERATIONS
#error "define ITERATIONS (the calibration script passes -DITERATIONS=N)"
#endif

/* Performance-run seeds for the 2K data set, read through volatiles so the compiler cannot fold them. */
volatile ee_s32 seed1_volatile = 0x0;
volatile ee_s32 seed2_volatile = 0x0;
volatile ee_s32 seed3_volatile = 0x66;
volatile ee_s32 seed4_volatile = ITERATIONS;
volatile ee_s32 seed5_volatile = 0;

ee_u32 default_num_contexts = 1;

/* ---- semihosting (ARM semihosting v2: BKPT 0xAB, operation in r0, argument in r1) ---- */
#define SEMIHOSTING_SYS_WRITE0 0x04u
#define SEMIHOSTING_SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t semihosting_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static void __attribute__((noreturn)) semihosting_exit(uint32_t code)
{
    const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, code};
    semihosting_call(SEMIHOSTING_SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}

int ee_printf(const char *fmt, ...)
{
    static char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    semihosting_call(SEMIHOSTING_SYS_WRITE0, buf);
    return n;
}

/* ---- timing hooks ---- */
void __attribute__((noinline, noipa)) tinyhil_coremark_begin(void)
{
    __asm__ volatile("" ::: "memory");
}

void __attribute__((noinline, noipa)) tinyhil_coremark_end(void)
{
    __asm__ volatile("" ::: "memory");
}

void start_time(void)
{
    tinyhil_coremark_begin();
}

void stop_time(void)
{
    tinyhil_coremark_end();
}

CORE_TICKS get_time(void)
{
    return 0; /* cycles are counted by the timing plugin, outside the guest */
}

secs_ret time_in_secs(CORE_TICKS ticks)
{
    return (secs_ret)ticks;
}

void portable_init(core_portable *p, int *argc, char *argv[])
{
    (void)argc;
    (void)argv;
    if (sizeof(ee_ptr_int) != sizeof(ee_u8 *) || sizeof(ee_u32) != 4) {
        ee_printf("ERROR! port types have the wrong sizes\n");
    }
    p->portable_id = 1;
}

void portable_fini(core_portable *p)
{
    p->portable_id = 0;
}

/* ---- start-up ---- */
extern uint32_t __bss_start__, __bss_end__, __stack_top__;
int main(void);

void __attribute__((noreturn)) reset_handler(void);
void __attribute__((noreturn)) reset_handler(void)
{
    for (uint32_t *w = &__bss_start__; w < &__bss_end__; w++) {
        *w = 0;
    }
    semihosting_exit((uint32_t)main());
}

static void __attribute__((noreturn)) fault_handler(void)
{
    ee_printf("tinyhil coremark port: fault\n");
    semihosting_exit(3);
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&__stack_top__, reset_handler, fault_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler,
    fault_handler,
};
