/*
 * Start-up for Cortex-M4/M7: the vector table, the reset handler (FPU on, .data copied from
 * flash, .bss zeroed, board initialised, main called) and a fault handler that reports the
 * fault on the console and ends the program, so a crash is visible instead of a silent hang.
 */
#include <stdint.h>

#include "cm_regs.h"
#include "th_board.h"
#include "th_console.h"

/* Symbols from the generated linker script. */
extern uint32_t __data_load[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];
extern uint32_t __stack_top[];

int main(void);
void th_reset_handler(void) __attribute__((noreturn));
void th_fault_handler(void);
void th_default_handler(void);
void th_systick_handler(void);

typedef void (*th_vector_t)(void);

/* Exceptions 0..15; no peripheral interrupt is enabled, so the table stops at SysTick. */
__attribute__((section(".vectors"), used)) const th_vector_t th_vectors[16] = {
    (th_vector_t)(uintptr_t)__stack_top, /* initial main stack pointer */
    th_reset_handler,
    th_default_handler, /* NMI */
    th_fault_handler,   /* HardFault */
    th_fault_handler,   /* MemManage */
    th_fault_handler,   /* BusFault */
    th_fault_handler,   /* UsageFault */
    0, 0, 0, 0,         /* reserved */
    th_default_handler, /* SVCall */
    th_default_handler, /* DebugMonitor */
    0,                  /* reserved */
    th_default_handler, /* PendSV */
    th_systick_handler, /* SysTick */
};

void th_reset_handler(void)
{
    /* Full access to CP10/CP11 before any floating-point instruction can run. */
    SCB_CPACR |= SCB_CPACR_CP10_CP11_FULL;
    th_dsb();
    th_isb();

    const uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end; ++dst, ++src) {
        *dst = *src;
    }
    for (uint32_t *dst = __bss_start; dst < __bss_end; ++dst) {
        *dst = 0u;
    }

    SCB_VTOR = (uint32_t)(uintptr_t)th_vectors;
    SCB_SHCSR |= SCB_SHCSR_FAULTS_ENABLE;
    th_dsb();
    th_isb();

    th_board_init();
    int code = main();
    th_console_flush();
    th_board_exit(code);
}

void th_default_handler(void)
{
    th_console_puts("e-[Unexpected exception]\r\n");
    th_console_flush();
    th_board_exit(0x7E);
}

/* The exception frame holds r0-r3, r12, lr, pc, xpsr; the faulting pc is word 6. */
void th_fault_report(const uint32_t *frame)
{
    th_console_puts("e-[Fault: cfsr=");
    th_console_put_hex32(SCB_CFSR);
    th_console_puts(" hfsr=");
    th_console_put_hex32(SCB_HFSR);
    th_console_puts(" pc=");
    th_console_put_hex32(frame[6]);
    th_console_puts(" bfar=");
    th_console_put_hex32(SCB_BFAR);
    th_console_puts("]\r\n");
    th_console_flush();
    th_board_exit(0x7F);
}

__attribute__((naked)) void th_fault_handler(void)
{
    __asm volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "b th_fault_report\n");
}
