/* Test-only stand-in for the engine's state (the real one is firmware_templates/engine). */
#ifndef TH_ENGINE_IMPL_H
#define TH_ENGINE_IMPL_H

#include <stdint.h>

#include "th_engine.h"

struct th_engine {
    const uint8_t *plan;
    uint8_t *arena;
    uint32_t input_bytes;
    uint32_t output_bytes;
    uint32_t hidden_offset;
    uint32_t output_offset;
    uint16_t ops_done; /* ops run since the input was last written */
    uint16_t ready;
};

#endif /* TH_ENGINE_IMPL_H */
