/* th_rq_fast against th_mbqm_nonneg + out_offset (the TFLite requantisation) over random and
 * boundary operands; prints the first mismatches and exits 1 if any. */
#include <stdio.h>
#include <stdlib.h>

#include "th_fixedpoint.h"

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static long mismatches = 0, checked = 0;

static void check(int32_t x, int32_t m, int32_t shift, int32_t off) {
    const int32_t want = th_mbqm_nonneg(x, m, shift) + off;
    const int32_t got = th_rq_fast(x, m, th_rq_hi(shift, off), -shift - 1);
    checked++;
    if (want != got) {
        if (mismatches < 10) {
            printf("x=%ld m=%ld shift=%ld off=%ld: want %ld got %ld\n", (long)x, (long)m, (long)shift, (long)off,
                   (long)want, (long)got);
        }
        mismatches++;
    }
}

int main(void) {
    static const int32_t edge_x[] = {0, 1, -1, 2, -2, INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1,
                                     1 << 30, -(1 << 30), 65535, -65536};
    static const int32_t edge_m[] = {0, 1, 1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MAX - 1, 1518500250};
    const int n_x = (int)(sizeof edge_x / sizeof edge_x[0]), n_m = (int)(sizeof edge_m / sizeof edge_m[0]);
    for (int32_t shift = -22; shift <= -2; shift++) {
        for (int32_t off = -128; off <= 128; off += 32) {
            if (!th_rq_fast_ok(shift, off)) {
                printf("th_rq_fast_ok rejects shift=%ld off=%ld\n", (long)shift, (long)off);
                return 1;
            }
            for (int i = 0; i < n_x; i++) {
                for (int j = 0; j < n_m; j++) {
                    check(edge_x[i], edge_m[j], shift, off);
                }
            }
            /* exact halves of both roundings: small accumulators, multipliers with few low bits */
            for (int32_t x = -3000; x <= 3000; x++) {
                check(x, (int32_t)((next() % 64) << 24), shift, off);
            }
        }
    }
    for (long i = 0; i < 3000000; i++) {
        const uint64_t r = next();
        const int32_t x = (r & 1) ? (int32_t)next() : (int32_t)(next() % 400001) - 200000;
        const int32_t m = (r & 2) ? (int32_t)(next() & 0x7FFFFFFF) : (int32_t)(0x40000000u + next() % 0x40000000u);
        const int32_t shift = -(int32_t)(2 + next() % 21);
        const int32_t off = (int32_t)(next() % 257) - 128;
        check(x, m, shift, off);
    }
    /* the GEMM's 32-bit form of th_rq_hi over the whole range th_rq_fast_ok accepts */
    for (int32_t shift = -22; shift <= -2; shift++) {
        for (int32_t off = -128; off <= 128; off++) {
            checked++;
            if (th_rq_hi_o21(2 * off + 1, shift) != th_rq_hi(shift, off)) {
                printf("th_rq_hi_o21 shift=%ld off=%ld: want %ld got %ld\n", (long)shift, (long)off,
                       (long)th_rq_hi(shift, off), (long)th_rq_hi_o21(2 * off + 1, shift));
                mismatches++;
            }
        }
    }
    if (th_rq_fast_ok(-1, 0) || th_rq_fast_ok(0, 0) || th_rq_fast_ok(-23, 0) || th_rq_fast_ok(-5, 129)) {
        printf("th_rq_fast_ok accepts a case outside its proven range\n");
        return 1;
    }
    printf("%ld checked, %ld mismatches\n", checked, mismatches);
    return mismatches != 0;
}
