"""Host-side quantisation arithmetic, following TFLite's rules bit for bit.

The requantisation multipliers, shifts, activation clamps and op constants are computed here once
and stored in the plan, so the C kernels only do integer arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

INT8_MIN, INT8_MAX = -128, 127


def round_half_away(x: float) -> int:
    """std::round: halves away from zero."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite QuantizeMultiplier: real = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift = 0
        q_fixed = 0
    if shift > 30:
        shift = 30
        q_fixed = (1 << 31) - 1
    return int(q_fixed), int(shift)


def activation_range(activation: int, scale: float, zero_point: int) -> tuple[int, int]:
    """Fused activation clamp for int8 outputs (CalculateActivationRangeQuantized)."""

    def quantize(f: float) -> int:
        return zero_point + round_half_away(float(np.float32(f) / np.float32(scale)))

    if activation == 0:  # NONE
        return INT8_MIN, INT8_MAX
    if activation == 1:  # RELU
        return max(INT8_MIN, quantize(0.0)), INT8_MAX
    if activation == 3:  # RELU6
        return max(INT8_MIN, quantize(0.0)), min(INT8_MAX, quantize(6.0))
    if activation == 2:  # RELU_N1_TO_1
        return max(INT8_MIN, quantize(-1.0)), min(INT8_MAX, quantize(1.0))
    raise ValueError(f"fused activation {activation} not supported")


FUSED_ACTIVATION_NAMES = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}


def calculate_input_radius(input_integer_bits: int, input_left_shift: int, total_signed_bits: int = 31) -> int:
    max_input_rescaled = (
        1.0 * ((1 << input_integer_bits) - 1) * (1 << (total_signed_bits - input_integer_bits)) / (1 << input_left_shift)
    )
    return int(math.floor(max_input_rescaled))


def softmax_params(beta: float, input_scale: float) -> tuple[int, int, int]:
    """(multiplier, left shift, diff_min) for int8 softmax with 5 integer bits in the scaled diff."""
    scaled_diff_integer_bits = 5
    real = min(beta * input_scale * (1 << (31 - scaled_diff_integer_bits)), (1 << 31) - 1.0)
    mult, shift = quantize_multiplier(real)
    diff_min = -calculate_input_radius(scaled_diff_integer_bits, shift)
    return mult, shift, diff_min


def logistic_params(input_scale: float) -> tuple[int, int, int]:
    """(multiplier, left shift, input range radius) for int8 logistic with a Q4.27 input."""
    input_integer_bits = 4
    real = float(input_scale) * float(1 << (31 - input_integer_bits))
    q, shift = math.frexp(real)
    mult = round_half_away(q * (1 << 31))
    radius = calculate_input_radius(input_integer_bits, shift)
    return int(mult), int(shift), radius


def float_to_quantized_int8(value: float, scale: float, zero_point: int) -> int:
    """FloatToQuantizedType<int8_t>: float32 division, std::round, clamp."""
    r = round_half_away(float(np.float32(value) / np.float32(scale))) + zero_point
    return max(INT8_MIN, min(INT8_MAX, r))


def mean_multiplier(real: float, count: int) -> tuple[int, int]:
    """Requantisation of a sum of `count` values into their mean (TFLite's integer MEAN rule)."""
    mult, shift = quantize_multiplier(real)
    n_shift = min(count.bit_length() - 1, 32, 31 + shift)
    return int((mult << n_shift) // count), shift - n_shift
