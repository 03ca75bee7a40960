/*
 * Board support interface: one implementation per board family (firmware_templates/boards/),
 * selected by the build. Everything here is polled; the only interrupt is SysTick.
 */
#ifndef TH_BOARD_H
#define TH_BOARD_H

#include <stdint.h>

/* Clocks, flash wait states, caches, console UART. Called once by the reset handler. */
void th_board_init(void);

/* The frequency SysTick counts at when clocked from the processor clock (CLKSOURCE = 1). */
uint32_t th_board_systick_hz(void);

/* Console: blocking single-byte I/O, 8N1. */
void th_console_putc(char c);
int th_console_getc(void); /* blocks until a byte arrives; returns 0..255 */
int th_console_rx_ready(void); /* 1 when a received byte waits (th_console_getc would not block) */
void th_console_flush(void); /* waits until every byte has left the transmitter */

/* 1 when the core's DWT cycle counter runs (real boards), 0 on twins (QEMU does not model it). */
int th_board_has_cycle_counter(void);

/* Twins: waits for the next SysTick period boundary, so what runs next is repeatable
 * instruction for instruction whatever the host's timing; real boards: nothing. */
void th_board_align_to_tick(void);

/* Ends the program: twins exit QEMU with this code (semihosting); real boards halt. */
void th_board_exit(int code) __attribute__((noreturn));

/* Board identity, from the build (-D). */
#ifndef TH_BOARD_NAME
#error "TH_BOARD_NAME must be defined by the build"
#endif
#ifndef TH_CORE_NAME
#error "TH_CORE_NAME must be defined by the build"
#endif
#ifndef TH_CORE_HZ
#error "TH_CORE_HZ must be defined by the build"
#endif
#ifndef TH_FW_ID
#define TH_FW_ID "unknown"
#endif
#ifndef TH_TWIN
#define TH_TWIN 0
#endif

#endif /* TH_BOARD_H */
