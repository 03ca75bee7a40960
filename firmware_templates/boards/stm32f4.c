/*
 * NUCLEO-F446RE (STM32F446RE, RM0390): 180 MHz from HSI via PLL (M=8, N=180, P=2: 16/8*180/2),
 * over-drive, 5 flash wait states with ART prefetch + instruction and data caches,
 * console on USART2 (PA2 TX, PA3 RX, AF7) at 115200 8N1 on APB1 = 45 MHz.
 */
#include <stdint.h>

#include "stm32_common.h"
#include "th_board.h"

#define TH_SYSCLK_HZ 180000000u
#define TH_APB1_HZ (TH_SYSCLK_HZ / 4u)
#define TH_BAUD 115200u

/* FLASH_ACR (RM0390 3.8.1): PRFTEN bit 8, ICEN bit 9, DCEN bit 10, ICRST bit 11, DCRST bit 12 */
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)
#define FLASH_ACR_ICRST (1u << 11)
#define FLASH_ACR_DCRST (1u << 12)
#define TH_FLASH_LATENCY 5u

#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_APB1ENR_USART2EN (1u << 17)
#define GPIOA_BASE 0x40020000u

/* USART2 (RM0390 25.6): SR, DR, BRR, CR1 */
#define USART2_BASE 0x40004400u
#define USART_SR TH_REG32(USART2_BASE + 0x00u)
#define USART_DR TH_REG32(USART2_BASE + 0x04u)
#define USART_BRR TH_REG32(USART2_BASE + 0x08u)
#define USART_CR1 TH_REG32(USART2_BASE + 0x0Cu)
#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_UE (1u << 13)

_Static_assert(TH_CORE_HZ == TH_SYSCLK_HZ, "board file clock_hz must match the F446 clock set-up");

void th_board_init(void)
{
    /* Caches must be off while they are reset (RM0390 3.5.2). */
    FLASH_ACR &= ~(FLASH_ACR_ICEN | FLASH_ACR_DCEN);
    FLASH_ACR |= FLASH_ACR_ICRST | FLASH_ACR_DCRST;
    FLASH_ACR &= ~(FLASH_ACR_ICRST | FLASH_ACR_DCRST);
    th_stm32_clock_setup(RCC_PLLCFGR_VALUE(8u, 180u, 2u, 8u, 2u),
                         TH_FLASH_LATENCY | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN);

    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
    RCC_APB1ENR |= RCC_APB1ENR_USART2EN;
    (void)RCC_APB1ENR;
    th_stm32_pin_af(GPIOA_BASE, 2u, 7u);
    th_stm32_pin_af(GPIOA_BASE, 3u, 7u);
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
    while ((USART_SR & USART_SR_TXE) == 0u) {
    }
    USART_DR = (uint8_t)c;
}

int th_console_getc(void)
{
    for (;;) {
        uint32_t sr = USART_SR;
        if ((sr & (USART_SR_RXNE | USART_SR_ORE)) != 0u) {
            /* Reading DR after SR clears RXNE and an overrun; an overrun's byte is still valid. */
            return (int)(USART_DR & 0xFFu);
        }
    }
}

int th_console_rx_ready(void) { return (USART_SR & (USART_SR_RXNE | USART_SR_ORE)) != 0u; }

void th_console_flush(void)
{
    while ((USART_SR & USART_SR_TC) == 0u) {
    }
}

void th_board_exit(int code)
{
    (void)code;
    th_console_flush();
    for (;;) {
        /* Halt here: a debugger sees where the program ended; no BKPT, which would fault without one. */
    }
}
