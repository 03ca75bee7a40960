/*
 * Registers shared by STM32F4 and STM32F7 (RM0390 for F446, RM0385 for F746, RM0410 for F767):
 * RCC, PWR, FLASH interface and GPIO share base addresses and the bits used here.
 */
#ifndef TH_STM32_COMMON_H
#define TH_STM32_COMMON_H

#include "cm_regs.h"

#define RCC_BASE 0x40023800u
#define RCC_CR TH_REG32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR TH_REG32(RCC_BASE + 0x04u)
#define RCC_CFGR TH_REG32(RCC_BASE + 0x08u)
#define RCC_AHB1ENR TH_REG32(RCC_BASE + 0x30u)
#define RCC_APB1ENR TH_REG32(RCC_BASE + 0x40u)

#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)

/* PLLCFGR fields: M [5:0], N [14:6], P [17:16] (0 = /2), SRC bit 22 (0 = HSI), Q [27:24], R [30:28] */
#define RCC_PLLCFGR_VALUE(m, n, p, q, r) \
    ((uint32_t)(m) | ((uint32_t)(n) << 6) | ((((uint32_t)(p) / 2u) - 1u) << 16) | \
     ((uint32_t)(q) << 24) | ((uint32_t)(r) << 28))

/* CFGR: SW [1:0], SWS [3:2], HPRE [7:4], PPRE1 [12:10], PPRE2 [15:13] */
#define RCC_CFGR_SW_MASK 0x3u
#define RCC_CFGR_SW_PLL 0x2u
#define RCC_CFGR_SWS_MASK (0x3u << 2)
#define RCC_CFGR_SWS_PLL (0x2u << 2)
#define RCC_CFGR_HPRE_DIV1 (0x0u << 4)
#define RCC_CFGR_PPRE1_DIV4 (0x5u << 10)
#define RCC_CFGR_PPRE2_DIV2 (0x4u << 13)
#define RCC_CFGR_PRESCALER_MASK ((0xFu << 4) | (0x7u << 10) | (0x7u << 13))

#define RCC_APB1ENR_PWREN (1u << 28)

/* PWR_CR (F4) / PWR_CR1 (F7): VOS [15:14], ODEN bit 16, ODSWEN bit 17; CSR(1): ODRDY 16, ODSWRDY 17 */
#define PWR_BASE 0x40007000u
#define PWR_CR TH_REG32(PWR_BASE + 0x00u)
#define PWR_CSR TH_REG32(PWR_BASE + 0x04u)
#define PWR_CR_VOS_SCALE1 (0x3u << 14)
#define PWR_CR_ODEN (1u << 16)
#define PWR_CR_ODSWEN (1u << 17)
#define PWR_CSR_ODRDY (1u << 16)
#define PWR_CSR_ODSWRDY (1u << 17)

/* FLASH_ACR: LATENCY [3:0]; the accelerator bits differ between F4 and F7 (see each board file). */
#define FLASH_ACR TH_REG32(0x40023C00u)
#define FLASH_ACR_LATENCY_MASK 0xFu

/* GPIO port registers */
#define GPIO_MODER(base) TH_REG32((base) + 0x00u)
#define GPIO_OSPEEDR(base) TH_REG32((base) + 0x08u)
#define GPIO_PUPDR(base) TH_REG32((base) + 0x0Cu)
#define GPIO_AFRL(base) TH_REG32((base) + 0x20u)
#define GPIO_AFRH(base) TH_REG32((base) + 0x24u)
#define GPIO_MODE_AF 0x2u
#define GPIO_SPEED_HIGH 0x2u
#define GPIO_PULL_UP 0x1u

/* Routes pin `pin` of the port at `base` to alternate function `af`, high speed, pull-up. */
static inline void th_stm32_pin_af(uint32_t base, uint32_t pin, uint32_t af)
{
    GPIO_MODER(base) = (GPIO_MODER(base) & ~(0x3u << (2u * pin))) | (GPIO_MODE_AF << (2u * pin));
    GPIO_OSPEEDR(base) = (GPIO_OSPEEDR(base) & ~(0x3u << (2u * pin))) | (GPIO_SPEED_HIGH << (2u * pin));
    GPIO_PUPDR(base) = (GPIO_PUPDR(base) & ~(0x3u << (2u * pin))) | (GPIO_PULL_UP << (2u * pin));
    if (pin < 8u) {
        GPIO_AFRL(base) = (GPIO_AFRL(base) & ~(0xFu << (4u * pin))) | (af << (4u * pin));
    } else {
        uint32_t shift = 4u * (pin - 8u);
        GPIO_AFRH(base) = (GPIO_AFRH(base) & ~(0xFu << shift)) | (af << shift);
    }
}

/*
 * HSI (16 MHz) -> PLL -> SYSCLK with over-drive, the sequence of RM0390 5.1.4 / RM0385 4.1.4:
 * scale 1, PLL on and locked, over-drive on and switched, flash latency raised, then SYSCLK
 * switched to the PLL.
 * HSI is used because the Nucleo's HSE source (ST-LINK MCO or a crystal) depends on solder bridges.
 */
static inline void th_stm32_clock_setup(uint32_t pllcfgr, uint32_t flash_acr)
{
    RCC_CR |= RCC_CR_HSION;
    while ((RCC_CR & RCC_CR_HSIRDY) == 0u) {
    }
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR; /* read back: the clock is on before PWR is touched */
    PWR_CR |= PWR_CR_VOS_SCALE1;

    RCC_CR &= ~RCC_CR_PLLON;
    while ((RCC_CR & RCC_CR_PLLRDY) != 0u) {
    }
    RCC_PLLCFGR = pllcfgr;
    RCC_CR |= RCC_CR_PLLON;
    while ((RCC_CR & RCC_CR_PLLRDY) == 0u) {
    }

    /* Over-drive while the system still runs from HSI and the PLL is locked. */
    PWR_CR |= PWR_CR_ODEN;
    while ((PWR_CSR & PWR_CSR_ODRDY) == 0u) {
    }
    PWR_CR |= PWR_CR_ODSWEN;
    while ((PWR_CSR & PWR_CSR_ODSWRDY) == 0u) {
    }

    FLASH_ACR = flash_acr;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != (flash_acr & FLASH_ACR_LATENCY_MASK)) {
    }

    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_PRESCALER_MASK) | RCC_CFGR_HPRE_DIV1 | RCC_CFGR_PPRE1_DIV4 |
               RCC_CFGR_PPRE2_DIV2;
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL) {
    }
}

/* USART baud divider with 16x oversampling: BRR = round(f_pclk / baud). */
#define TH_STM32_BRR(pclk, baud) (((pclk) + (baud) / 2u) / (baud))

#endif /* TH_STM32_COMMON_H */
