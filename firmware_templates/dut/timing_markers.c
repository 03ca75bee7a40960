/*
 * Markers around each timed inference for the twin's timing plugin, which watches the addresses
 * of these two functions: the region opens when th_timing_region_begin runs and closes when
 * th_timing_region_end runs. Kept out of line (own translation unit, noinline) so they exist at
 * one address each and are called exactly once per timed inference; their bodies differ so the
 * compiler cannot fold them into one function.
 */
#include <stdint.h>

#include "th_timing_markers.h"

volatile uint32_t th_timing_region_open;

__attribute__((noinline, used)) void th_timing_region_begin(void) { th_timing_region_open = 1u; }

__attribute__((noinline, used)) void th_timing_region_end(void) { th_timing_region_open = 0u; }
