/*
 * Twin board support: QEMU mps2-an386 (Cortex-M4) and mps2-an500 (Cortex-M7).
 * Console: CMSDK APB UART0 at 0x40004000. Clock: SysTick counts the 25 MHz system clock
 * (under -icount the guest's virtual time advances 1 ns per instruction). Exit: semihosting.
 */
#include <stdint.h>

#include "cm_regs.h"
#include "th_board.h"

#define MPS2_SYSCLK_HZ 25000000u

#define UART0_BASE 0x40004000u
#define UART0_DATA TH_REG32(UART0_BASE + 0x00u)
#define UART0_STATE TH_REG32(UART0_BASE + 0x04u)
#define UART0_CTRL TH_REG32(UART0_BASE + 0x08u)
#define UART0_BAUDDIV TH_REG32(UART0_BASE + 0x10u)
#define UART_STATE_TX_FULL (1u << 0)
#define UART_STATE_RX_FULL (1u << 1)
#define UART_CTRL_TX_EN (1u << 0)
#define UART_CTRL_RX_EN (1u << 1)

/* Semihosting (ARM DUI0471 / semihosting v2): SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit. */
#define SEMIHOST_SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

void th_board_init(void)
{
    UART0_BAUDDIV = 16u; /* the emulated UART refuses to transmit with a divider below 16 */
    UART0_CTRL = UART_CTRL_TX_EN | UART_CTRL_RX_EN;
}

uint32_t th_board_systick_hz(void) { return MPS2_SYSCLK_HZ; }

int th_board_has_cycle_counter(void) { return 0; }

void th_console_putc(char c)
{
    while ((UART0_STATE & UART_STATE_TX_FULL) != 0u) {
    }
    UART0_DATA = (uint8_t)c;
}

/*
 * Waiting polls the UART. Under -icount QEMU services the console socket between translated blocks
 * while the core runs, so a polled byte is seen within microseconds; a core asleep in WFI without a
 * UART interrupt is only woken by SysTick, which made every byte slower (measured: a 1 KB `db` load
 * took 0.32 s with WFI, 0.16 s polled).
 * Repeatable timing does not depend on how long this loop spins: `infer` and `tensor` first align
 * to a SysTick boundary (th_board_align_to_tick).
 */
int th_console_getc(void)
{
    while ((UART0_STATE & UART_STATE_RX_FULL) == 0u) {
    }
    return (int)(UART0_DATA & 0xFFu);
}

/*
 * Before each command runs, wait for the next SysTick boundary: the SysTick interrupts that fall
 * inside a timed inference then land on the same instructions in every run, whatever the host's
 * timing was while bytes arrived. This makes instruction counts per inference repeatable.
 */
void th_board_align_to_tick(void) { __asm volatile("dsb 0xF\n wfi" ::: "memory"); }

int th_console_rx_ready(void) { return (UART0_STATE & UART_STATE_RX_FULL) != 0u; }

void th_console_flush(void)
{
    while ((UART0_STATE & UART_STATE_TX_FULL) != 0u) {
    }
}

void th_board_exit(int code)
{
    volatile uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
    register uint32_t r0 __asm("r0") = SEMIHOST_SYS_EXIT_EXTENDED;
    register volatile uint32_t *r1 __asm("r1") = block;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    for (;;) {
    }
}
