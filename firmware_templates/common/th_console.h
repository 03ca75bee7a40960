/* Console text output without printf: strings, decimal and hexadecimal numbers. */
#ifndef TH_CONSOLE_H
#define TH_CONSOLE_H

#include <stdint.h>

void th_console_puts(const char *s);
void th_console_put_u64(uint64_t v);
void th_console_put_i32(int32_t v);
void th_console_put_hex32(uint32_t v); /* 0x%08x */
void th_console_put_hex8(uint8_t v);   /* %02x */
void th_console_put_fixed3(float v);   /* %.3f, for float32 model outputs */

#endif /* TH_CONSOLE_H */
