/*
 * Cortex-M4/M7 core registers used by the firmware (ARMv7-M Architecture Reference Manual,
 * system control space at 0xE000E000). Only what tinyhil needs; no vendor headers.
 */
#ifndef TH_CM_REGS_H
#define TH_CM_REGS_H

#include <stdint.h>

#define TH_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* SysTick (B3.3) */
#define SYST_CSR TH_REG32(0xE000E010u)
#define SYST_RVR TH_REG32(0xE000E014u)
#define SYST_CVR TH_REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE_CPU (1u << 2)
#define SYST_RVR_MAX 0x00FFFFFFu

/* System control block (B3.2) */
#define SCB_VTOR TH_REG32(0xE000ED08u)
#define SCB_AIRCR TH_REG32(0xE000ED0Cu)
#define SCB_CCR TH_REG32(0xE000ED14u)
#define SCB_SHCSR TH_REG32(0xE000ED24u)
#define SCB_CFSR TH_REG32(0xE000ED28u)
#define SCB_HFSR TH_REG32(0xE000ED2Cu)
#define SCB_MMFAR TH_REG32(0xE000ED34u)
#define SCB_BFAR TH_REG32(0xE000ED38u)
#define SCB_CPACR TH_REG32(0xE000ED88u)
#define SCB_CCR_DC (1u << 16)
#define SCB_CCR_IC (1u << 17)
#define SCB_CPACR_CP10_CP11_FULL (0xFu << 20)
#define SCB_SHCSR_FAULTS_ENABLE ((1u << 16) | (1u << 17) | (1u << 18)) /* MEM, BUS, USAGE */

/* Cortex-M7 cache maintenance (ARMv7-M B3.2.2, Cortex-M7 TRM 4.1) */
#define SCB_CLIDR TH_REG32(0xE000ED78u)
#define SCB_CCSIDR TH_REG32(0xE000ED80u)
#define SCB_CSSELR TH_REG32(0xE000ED84u)
#define SCB_ICIALLU TH_REG32(0xE000EF50u)
#define SCB_DCISW TH_REG32(0xE000EF60u)

/* Debug: DEMCR and the DWT cycle counter (C1.6, C1.8) */
#define DEMCR TH_REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL TH_REG32(0xE0001000u)
#define DWT_CYCCNT TH_REG32(0xE0001004u)
#define DWT_LAR TH_REG32(0xE0001FB0u)
#define DWT_CTRL_CYCCNTENA (1u << 0)
#define DWT_LAR_UNLOCK 0xC5ACCE55u

static inline void th_dsb(void) { __asm volatile("dsb 0xF" ::: "memory"); }
static inline void th_isb(void) { __asm volatile("isb 0xF" ::: "memory"); }

#endif /* TH_CM_REGS_H */
