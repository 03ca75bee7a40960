/*
 * NUCLEO-F746ZG / NUCLEO-F767ZI (STM32F746ZG RM0385, STM32F767ZI RM0410): 216 MHz from HSI via
 * PLL (M=8, N=216, P=2: 16/8*216/2), over-drive, 7 flash wait states with the ART accelerator and
 * prefetch, Cortex-M7 L1 instruction and data caches on, console on USART3 (PD8 TX, PD9 RX, AF7)
 * at 115200 8N1 on APB1 = 54 MHz.
 */
#include <stdint.h>

#include "stm32_common.h"
#include "th_board.h"

#define TH_SYSCLK_HZ 216000000u
#define TH_APB1_HZ (TH_SYSCLK_HZ / 4u)
#define TH_BAUD 115200u

/* FLASH_ACR (RM0385 3.7.1): PRFTEN bit 8, ARTEN bit 9, ARTRST bit 11 */
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ARTEN (1u << 9)
#define FLASH_ACR_ARTRST (1u << 11)
#define TH_FLASH_LATENCY 7u

#define RCC_AHB1ENR_GPIODEN (1u << 3)
#define RCC_APB1ENR_USART3EN (1u << 18)
#define GPIOD_BASE 0x40020C00u

/* USART3 (RM0385 31.8): CR1, BRR, ISR, ICR, RDR, TDR */
#define USART3_BASE 0x40004800u
#define USART_CR1 TH_REG32(USART3_BASE + 0x00u)
#define USART_BRR TH_REG32(USART3_BASE + 0x0Cu)
#define USART_ISR TH_REG32(USART3_BASE + 0x1Cu)
#define USART_ICR TH_REG32(USART3_BASE + 0x20u)
#define USART_RDR TH_REG32(USART3_BASE + 0x24u)
#define USART_TDR TH_REG32(USART3_BASE + 0x28u)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_ORE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TC (1u << 6)
#define USART_ISR_TXE (1u << 7)
#define USART_ICR_ORECF (1u << 3)

_Static_assert(TH_CORE_HZ == TH_SYSCLK_HZ, "board file clock_hz must match the F7 clock set-up");

static void th_m7_caches_enable(void)
{
    /* Instruction cache: invalidate all, then enable. */
    th_dsb();
    th_isb();
    SCB_ICIALLU = 0u;
    th_dsb();
    th_isb();
    SCB_CCR |= SCB_CCR_IC;
    th_dsb();
    th_isb();

    /* Data cache: invalidate every set and way of level 1, then enable. */
    SCB_CSSELR = 0u; /* level 1, data */
    th_dsb();
    uint32_t ccsidr = SCB_CCSIDR;
    uint32_t sets = ((ccsidr >> 13) & 0x7FFFu) + 1u;
    uint32_t ways = ((ccsidr >> 3) & 0x3FFu) + 1u;
    uint32_t line_shift = (ccsidr & 0x7u) + 4u; /* log2(line bytes) */
    uint32_t way_shift = (uint32_t)__builtin_clz(ways - 1u);
    for (uint32_t set = 0u; set < sets; ++set) {
        for (uint32_t way = 0u; way < ways; ++way) {
            SCB_DCISW = (way << way_shift) | (set << line_shift);
        }
    }
    th_dsb();
    SCB_CCR |= SCB_CCR_DC;
    th_dsb();
    th_isb();
}

void th_board_init(void)
{
    th_stm32_clock_setup(RCC_PLLCFGR_VALUE(8u, 216u, 2u, 9u, 2u), TH_FLASH_LATENCY);
    /* ART: reset it while disabled, then enable it with prefetch. */
    FLASH_ACR |= FLASH_ACR_ARTRST;
    FLASH_ACR &= ~FLASH_ACR_ARTRST;
    FLASH_ACR |= FLASH_ACR_ARTEN | FLASH_ACR_PRFTEN;
    th_m7_caches_enable();

    RCC_AHB1ENR |= RCC_AHB1ENR_GPIODEN;
    RCC_APB1ENR |= RCC_APB1ENR_USART3EN;
    (void)RCC_APB1ENR;
    th_stm32_pin_af(GPIOD_BASE, 8u, 7u);
    th_stm32_pin_af(GPIOD_BASE, 9u, 7u);
    USART_CR1 = 0u;
    USART_BRR = TH_STM32_BRR(TH_APB1_HZ, TH_BAUD);
    USART_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

uint32_t th_board_systick_hz(void) { return TH_SYSCLK_HZ; }

int th_board_has_cycle_counter(void) { return 1; }

/* Real boards run in real time: nothing to align (see mps2.c). */
void th_board_align_to_tick(void) {}

void th_console_putc(char c)
{
    while ((USART_ISR & USART_ISR_TXE) == 0u) {
    }
    USART_TDR = (uint8_t)c;
}

int th_console_getc(void)
{
    for (;;) {
        uint32_t isr = USART_ISR;
        if ((isr & USART_ISR_ORE) != 0u) {
            USART_ICR = USART_ICR_ORECF; /* an overrun blocks reception until cleared */
        }
        if ((isr & USART_ISR_RXNE) != 0u) {
            return (int)(USART_RDR & 0xFFu);
        }
    }
}

int th_console_rx_ready(void) { return (USART_ISR & USART_ISR_RXNE) != 0u; }

void th_console_flush(void)
{
    while ((USART_ISR & USART_ISR_TC) == 0u) {
    }
}

void th_board_exit(int code)
{
    (void)code;
    th_console_flush();
    for (;;) {
        /* Halt here: a debugger sees where the program ended. */
    }
}
