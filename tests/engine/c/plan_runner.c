/* Test driver: validate and run each plan file given on the command line with a zero input.
 * Built with AddressSanitizer + UBSan by tests/engine/test_errors.py, so any access outside the
 * plan, the arena or the engine state is reported. Prints one line per plan: rc of validation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th_engine.h"
#include "th_engine_impl.h"

int main(int argc, char **argv) {
    int ran = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            return 2;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *plan = aligned_alloc(16, ((size_t)n + 15) & ~(size_t)15);
        if (fread(plan, 1, (size_t)n, f) != (size_t)n) {
            return 2;
        }
        fclose(f);
        th_plan_info_t info;
        int rc = th_plan_validate(plan, (uint32_t)n, &info);
        if (rc == TH_OK) {
            /* exactly the arena the plan asks for: ASan catches any byte beyond it */
            uint8_t *arena = aligned_alloc(16, (info.arena_bytes + 15u) & ~15u);
            th_engine_t eng;
            rc = th_engine_init(&eng, plan, (uint32_t)n, arena, info.arena_bytes);
            if (rc == TH_OK) {
                uint32_t in_bytes = 0;
                uint8_t *in = th_engine_input(&eng, &in_bytes);
                memset(in, 0, in_bytes);
                rc = th_engine_invoke(&eng);
                ran++;
            }
            free(arena);
        }
        printf("%s %d\n", argv[i], rc);
        free(plan);
    }
    fprintf(stderr, "ran %d plans\n", ran);
    return 0;
}
