"""DNAS resource terms, budget, feasibility, repair, and weight sharing between supernet and subnet."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from search_space.counting import count_spec, count_tflite
from search_space.dnas.constraints import (
    InfeasibleTargetError,
    LatencyLine,
    ResourceLimits,
    check_feasible,
    limits_for_board,
)
from search_space.dnas.resources import SRAM_SMOOTH_BYTES, expected_resources, one_hot_inputs, structure_of
from search_space.sampling import sample_specs
from search_space.spaces import get_space

LIMITS = ResourceLimits("nucleo-f446re", 200.0, 113904, 393216, 114400, 490, 131072, 524288)
LINE = LatencyLine(slope=11.0, intercept=3.0)


def _counts_tuple(c):
    return (c.macs, c.paper_ops, c.total_ops, c.params, c.flash_bytes, c.peak_sram_bytes)


@pytest.mark.parametrize("space", ["kws", "ad"])
def test_one_hot_expectations_equal_the_counter(space: str) -> None:
    st = structure_of(space)
    specs = sample_specs(get_space(space), 60, seed=11) + [get_space(space).minimum_spec()]
    for spec in specs:
        r = expected_resources(st, *one_hot_inputs(st, spec.choices))
        got = (r.macs, r.paper_ops, r.total_ops, r.params, r.flash_bytes, r.sram_bytes)
        assert got == pytest.approx(_counts_tuple(count_spec(spec)), abs=1e-6), spec.choices
        assert r.sram_bytes <= r.sram_smooth_bytes <= r.sram_bytes + SRAM_SMOOTH_BYTES * math.log(len(r.node_bytes))


def test_expectation_over_one_decision_is_the_mixture_of_the_two_architectures() -> None:
    st = structure_of("kws")
    base = sample_specs(get_space("kws"), 1, seed=5)[0].choices
    a = {**base, "block4.keep": True, "block4.filters": 100}
    b = {**a, "block4.keep": False}
    p = 0.3
    stem, keep, widths = one_hot_inputs(st, a)
    keep[3] = p
    r = expected_resources(st, stem, keep, widths)
    ca, cb = count_spec(get_space("kws").build(a)), count_spec(get_space("kws").build(b))
    assert r.macs == pytest.approx(p * ca.macs + (1 - p) * cb.macs)
    assert r.flash_bytes == pytest.approx(p * ca.flash_bytes + (1 - p) * cb.flash_bytes)
    # Widths: the expected width of block 4 gives exactly the mixture's MACs (bilinear in widths).
    _, keep2, widths2 = one_hot_inputs(st, a)
    widths2[3] = 0.25 * 40 + 0.75 * 200
    r2 = expected_resources(st, stem, keep2, widths2)
    c40 = count_spec(get_space("kws").build({**a, "block4.filters": 40}))
    c200 = count_spec(get_space("kws").build({**a, "block4.filters": 200}))
    assert r2.macs == pytest.approx(0.25 * c40.macs + 0.75 * c200.macs)


def test_tensorflow_terms_equal_the_counter_for_one_hot_samples() -> None:
    from search_space.dnas.supernet import Supernet, tf_expected_resources

    st = structure_of("kws")
    net = Supernet(st, seed=0)
    for spec in sample_specs(get_space("kws"), 5, seed=2):
        r = tf_expected_resources(st, net.one_hot(spec.choices))
        c = count_spec(spec)
        assert float(r.macs) == pytest.approx(c.macs, rel=1e-6)
        assert float(r.sram_bytes) == pytest.approx(c.peak_sram_bytes, rel=1e-6)
        assert float(r.flash_bytes) == pytest.approx(c.flash_bytes, rel=1e-6)


def test_supernet_with_one_hot_sample_computes_the_sliced_subnet() -> None:
    import tensorflow as tf

    from search_space.dnas.subnet import forward
    from search_space.dnas.supernet import Supernet

    st = structure_of("kws")
    net = Supernet(st, seed=1)
    for v in net.weight_variables:  # non-zero biases so masked channels would show up
        if len(v.shape) == 1:
            v.assign(tf.random.normal(v.shape, stddev=0.1, seed=3))
    x = tf.random.normal((3, 49, 10, 1), seed=4)
    for spec in sample_specs(get_space("kws"), 4, seed=9):
        sup = net(x, net.one_hot(spec.choices)).numpy()
        sub = forward(spec, [tf.constant(w) for w in net.subnet_weights(spec.choices)], x).numpy()
        np.testing.assert_allclose(sup, sub, rtol=1e-4, atol=1e-4)


def test_board_budget_comes_from_the_firmware() -> None:
    from harness.boards import get_board
    from harness.firmware.build import build_firmware

    limits = limits_for_board("nucleo-f446re", 100.0, "kws")
    image = build_firmware(get_board("nucleo-f446re"), "twin")
    assert limits.arena_bytes == image.size.arena
    assert limits.sram_bytes <= image.size.arena - 490 < limits.sram_bytes + 16
    assert limits.flash_bytes == image.plan_slot_bytes
    with pytest.raises(ValueError, match="--latency-ms"):
        limits_for_board("nucleo-f446re", -1.0, "kws")


def test_infeasible_latency_names_the_smallest_model() -> None:
    minimum = count_spec(get_space("kws").minimum_spec())
    smallest_ms = LINE.predict_ms(minimum.paper_ops)
    with pytest.raises(InfeasibleTargetError, match="latency: the smallest kws model") as info:
        check_feasible("kws", replace(LIMITS, latency_ms=smallest_ms * 0.9), LINE)
    assert f"{smallest_ms:.2f} ms" in str(info.value)
    assert info.value.minimum["latency_ms"] == pytest.approx(smallest_ms)
    assert check_feasible("kws", replace(LIMITS, latency_ms=smallest_ms * 1.1), LINE)["mops"] == minimum.mops


def test_infeasible_sram_and_flash_are_said_up_front() -> None:
    with pytest.raises(InfeasibleTargetError, match=r"SRAM: the smallest ad model needs 5120 B"):
        check_feasible("ad", replace(LIMITS, sram_bytes=4096), None)
    with pytest.raises(InfeasibleTargetError, match=r"flash: .*needs about 2696 B"):
        check_feasible("kws", replace(LIMITS, flash_bytes=2000), None)


def test_repair_narrows_a_large_architecture_into_the_budget() -> None:
    from search_space.dnas.search import exact_usage, repair_choices

    big = {"stem.filters": 276}
    for i in range(1, 10):
        big[f"block{i}.keep"] = True
        big[f"block{i}.filters"] = 276
    limits = replace(LIMITS, latency_ms=150.0)
    assert not exact_usage(get_space("kws").build(big), LINE).fits(limits)
    fixed, steps = repair_choices("kws", big, limits, LINE)
    usage = exact_usage(get_space("kws").build(fixed), LINE)
    assert usage.fits(limits) and steps > 0
    assert usage.latency_ms > 0.8 * limits.latency_ms  # it stops once inside, not at the minimum


def test_subnet_converts_to_the_spec_graph() -> None:
    from search_space.dnas.search import export_int8
    from search_space.dnas.subnet import init_weights

    spec = sample_specs(get_space("kws"), 1, seed=21)[0]
    weights = init_weights(spec, np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(20, 49, 10, 1)).astype(np.float32)
    counted = count_tflite(export_int8(spec, weights, x, samples=8))
    expected = count_spec(spec)
    assert (counted.macs, counted.params, counted.peak_sram_bytes, counted.op_counts) == (
        expected.macs, expected.params, expected.peak_sram_bytes, expected.op_counts)
