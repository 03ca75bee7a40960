/*
 * nRF52840 DK (nRF52840 Product Specification v1.x): 64 MHz core from the 64 MHz crystal
 * oscillator (HFXO started through the CLOCK peripheral), NVMC instruction cache on, console on
 * UARTE0 (P0.06 TX, P0.08 RX) at 115200 8N1 with EasyDMA single-byte transfers.
 */
#include <stdint.h>

#include "cm_regs.h"
#include "th_board.h"

#define TH_SYSCLK_HZ 64000000u

/* CLOCK (PS 6.4) */
#define CLOCK_BASE 0x40000000u
#define CLOCK_TASKS_HFCLKSTART TH_REG32(CLOCK_BASE + 0x000u)
#define CLOCK_EVENTS_HFCLKSTARTED TH_REG32(CLOCK_BASE + 0x100u)
#define CLOCK_HFCLKSTAT TH_REG32(CLOCK_BASE + 0x40Cu)
#define CLOCK_HFCLKSTAT_SRC_XTAL (1u << 0)
#define CLOCK_HFCLKSTAT_STATE_RUNNING (1u << 16)

/* NVMC (PS 6.10): ICACHECNF bit 0 CACHEEN */
#define NVMC_ICACHECNF TH_REG32(0x4001E540u)
#define NVMC_ICACHECNF_CACHEEN (1u << 0)

/* GPIO P0 (PS 6.9) */
#define P0_BASE 0x50000000u
#define P0_OUTSET TH_REG32(P0_BASE + 0x508u)
#define P0_DIRSET TH_REG32(P0_BASE + 0x518u)
#define P0_PIN_CNF(n) TH_REG32(P0_BASE + 0x700u + 4u * (n))
#define PIN_CNF_DIR_OUTPUT (1u << 0)
#define PIN_CNF_INPUT_DISCONNECT (1u << 1)
#define PIN_CNF_PULLUP (3u << 2)

/* UARTE0 (PS 6.34) */
#define UARTE0_BASE 0x40002000u
#define UARTE_TASKS_STARTRX TH_REG32(UARTE0_BASE + 0x000u)
#define UARTE_TASKS_STARTTX TH_REG32(UARTE0_BASE + 0x008u)
#define UARTE_EVENTS_ENDRX TH_REG32(UARTE0_BASE + 0x110u)
#define UARTE_EVENTS_ENDTX TH_REG32(UARTE0_BASE + 0x120u)
#define UARTE_SHORTS TH_REG32(UARTE0_BASE + 0x200u)
#define UARTE_ENABLE TH_REG32(UARTE0_BASE + 0x500u)
#define UARTE_PSEL_RTS TH_REG32(UARTE0_BASE + 0x508u)
#define UARTE_PSEL_TXD TH_REG32(UARTE0_BASE + 0x50Cu)
#define UARTE_PSEL_CTS TH_REG32(UARTE0_BASE + 0x510u)
#define UARTE_PSEL_RXD TH_REG32(UARTE0_BASE + 0x514u)
#define UARTE_BAUDRATE TH_REG32(UARTE0_BASE + 0x524u)
#define UARTE_RXD_PTR TH_REG32(UARTE0_BASE + 0x534u)
#define UARTE_RXD_MAXCNT TH_REG32(UARTE0_BASE + 0x538u)
#define UARTE_TXD_PTR TH_REG32(UARTE0_BASE + 0x544u)
#define UARTE_TXD_MAXCNT TH_REG32(UARTE0_BASE + 0x548u)
#define UARTE_CONFIG TH_REG32(UARTE0_BASE + 0x56Cu)
#define UARTE_ENABLE_ENABLED 8u
#define UARTE_BAUDRATE_115200 0x01D60000u /* UARTE table (actual 115108 baud); 0x01D7E000 is the legacy UART's */
#define UARTE_SHORTS_ENDRX_STARTRX (1u << 5)
#define UARTE_PSEL_DISCONNECTED 0xFFFFFFFFu

#define TH_TX_PIN 6u
#define TH_RX_PIN 8u

_Static_assert(TH_CORE_HZ == TH_SYSCLK_HZ, "board file clock_hz must match the nRF52840's 64 MHz");

/* EasyDMA reads and writes RAM only: the transfer buffers live in .bss. */
static volatile uint8_t s_tx_byte;
static volatile uint8_t s_rx_byte;

void th_board_init(void)
{
    CLOCK_EVENTS_HFCLKSTARTED = 0u;
    CLOCK_TASKS_HFCLKSTART = 1u;
    while (CLOCK_EVENTS_HFCLKSTARTED == 0u) {
    }
    while ((CLOCK_HFCLKSTAT & (CLOCK_HFCLKSTAT_SRC_XTAL | CLOCK_HFCLKSTAT_STATE_RUNNING)) !=
           (CLOCK_HFCLKSTAT_SRC_XTAL | CLOCK_HFCLKSTAT_STATE_RUNNING)) {
    }
    NVMC_ICACHECNF |= NVMC_ICACHECNF_CACHEEN;

    P0_OUTSET = 1u << TH_TX_PIN; /* idle high before the UARTE takes the pin */
    P0_DIRSET = 1u << TH_TX_PIN;
    P0_PIN_CNF(TH_TX_PIN) = PIN_CNF_DIR_OUTPUT;
    P0_PIN_CNF(TH_RX_PIN) = PIN_CNF_PULLUP; /* input, buffer connected */

    UARTE_ENABLE = 0u;
    UARTE_PSEL_TXD = TH_TX_PIN; /* port 0, CONNECT bit 31 = 0 */
    UARTE_PSEL_RXD = TH_RX_PIN;
    UARTE_PSEL_RTS = UARTE_PSEL_DISCONNECTED;
    UARTE_PSEL_CTS = UARTE_PSEL_DISCONNECTED;
    UARTE_BAUDRATE = UARTE_BAUDRATE_115200;
    UARTE_CONFIG = 0u; /* no parity, one stop bit, no flow control */
    UARTE_ENABLE = UARTE_ENABLE_ENABLED;

    UARTE_RXD_PTR = (uint32_t)(uintptr_t)&s_rx_byte;
    UARTE_RXD_MAXCNT = 1u;
    UARTE_SHORTS = UARTE_SHORTS_ENDRX_STARTRX; /* re-arm reception as soon as a byte has landed */
    UARTE_EVENTS_ENDRX = 0u;
    UARTE_TASKS_STARTRX = 1u;
}

uint32_t th_board_systick_hz(void) { return TH_SYSCLK_HZ; }

int th_board_has_cycle_counter(void) { return 1; }

/* Real boards run in real time: nothing to align (see mps2.c). */
void th_board_align_to_tick(void) {}

void th_console_putc(char c)
{
    s_tx_byte = (uint8_t)c;
    UARTE_TXD_PTR = (uint32_t)(uintptr_t)&s_tx_byte;
    UARTE_TXD_MAXCNT = 1u;
    UARTE_EVENTS_ENDTX = 0u;
    UARTE_TASKS_STARTTX = 1u;
    while (UARTE_EVENTS_ENDTX == 0u) {
    }
}

int th_console_getc(void)
{
    while (UARTE_EVENTS_ENDRX == 0u) {
    }
    UARTE_EVENTS_ENDRX = 0u;
    return (int)s_rx_byte;
}

int th_console_rx_ready(void) { return UARTE_EVENTS_ENDRX != 0u; }

void th_console_flush(void)
{
    /* th_console_putc waits for ENDTX: nothing is left in flight. */
}

void th_board_exit(int code)
{
    (void)code;
    for (;;) {
        /* Halt here: a debugger sees where the program ended. */
    }
}
