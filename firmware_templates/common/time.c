/*
 * Microsecond time from SysTick, extended in software: SysTick reloads every 50 ms and its
 * interrupt counts reloads, so time = reloads * period + (reload - current value).
 * DWT cycle counter for per-inference core cycles.
 */
#include "th_time.h"

#include "cm_regs.h"
#include "th_board.h"

#define TH_TICK_PERIODS_PER_S 20u /* 50 ms: fits SysTick's 24 bits up to 335 MHz */

static volatile uint32_t s_periods;
static uint32_t s_reload;
static uint32_t s_ticks_per_us;
static int s_cycles_ok;

void th_systick_handler(void) { s_periods = s_periods + 1u; }

void th_time_init(uint32_t systick_hz)
{
    s_reload = systick_hz / TH_TICK_PERIODS_PER_S - 1u;
    s_ticks_per_us = systick_hz / 1000000u;
    if (s_ticks_per_us == 0u) {
        s_ticks_per_us = 1u;
    }
    s_periods = 0u;
    SYST_CSR = 0u;
    SYST_RVR = s_reload & SYST_RVR_MAX;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE_CPU;
}

uint64_t th_time_us(void)
{
    uint32_t before;
    uint32_t value;
    uint32_t after;
    do {
        before = s_periods;
        value = SYST_CVR;
        after = s_periods;
    } while (before != after);
    uint64_t ticks = (uint64_t)before * ((uint64_t)s_reload + 1u) + (uint64_t)(s_reload - value);
    return ticks / s_ticks_per_us;
}

void th_cycles_init(void)
{
    s_cycles_ok = th_board_has_cycle_counter();
    if (!s_cycles_ok) {
        return;
    }
    DEMCR |= DEMCR_TRCENA;
#if defined(TH_CORE_M7) && TH_CORE_M7
    DWT_LAR = DWT_LAR_UNLOCK; /* the M7's DWT ignores writes until unlocked */
#endif
    DWT_CYCCNT = 0u;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

uint32_t th_cycles_now(void) { return s_cycles_ok ? DWT_CYCCNT : 0u; }
