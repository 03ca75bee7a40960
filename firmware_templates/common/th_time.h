/*
 * Time: microsecond timestamps from SysTick (every board and twin) and core cycles from the DWT
 * cycle counter (real boards; reads 0 on twins).
 */
#ifndef TH_TIME_H
#define TH_TIME_H

#include <stdint.h>

void th_time_init(uint32_t systick_hz);
uint64_t th_time_us(void);

void th_cycles_init(void);
uint32_t th_cycles_now(void); /* 0 when the board has no running cycle counter */

#endif /* TH_TIME_H */
