#include "th_console.h"

#include "th_board.h"

static const char k_hex[] = "0123456789abcdef";

void th_console_puts(const char *s)
{
    while (*s != '\0') {
        th_console_putc(*s++);
    }
}

void th_console_put_u64(uint64_t v)
{
    char buf[21];
    int i = 0;
    do {
        buf[i++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    while (i > 0) {
        th_console_putc(buf[--i]);
    }
}

void th_console_put_i32(int32_t v)
{
    if (v < 0) {
        th_console_putc('-');
        th_console_put_u64((uint64_t)(-(int64_t)v));
    } else {
        th_console_put_u64((uint64_t)v);
    }
}

void th_console_put_hex8(uint8_t v)
{
    th_console_putc(k_hex[v >> 4]);
    th_console_putc(k_hex[v & 0xFu]);
}

void th_console_put_hex32(uint32_t v)
{
    th_console_puts("0x");
    for (int shift = 28; shift >= 0; shift -= 4) {
        th_console_putc(k_hex[(v >> shift) & 0xFu]);
    }
}

void th_console_put_fixed3(float v)
{
    if (v != v) {
        th_console_puts("nan");
        return;
    }
    if (v < 0.0f) {
        th_console_putc('-');
        v = -v;
    }
    if (v > 1.0e9f) {
        th_console_puts("inf");
        return;
    }
    uint64_t milli = (uint64_t)((double)v * 1000.0 + 0.5);
    th_console_put_u64(milli / 1000u);
    th_console_putc('.');
    uint32_t frac = (uint32_t)(milli % 1000u);
    th_console_putc((char)('0' + frac / 100u));
    th_console_putc((char)('0' + (frac / 10u) % 10u));
    th_console_putc((char)('0' + frac % 10u));
}
