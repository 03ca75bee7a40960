"""The engine accepts fast-path and converter files; its arena versus the working-memory model."""

from __future__ import annotations

import numpy as np
import pytest

from search_space.counting import count_spec, count_tflite
from search_space.fastpath import spec_to_tflite
from search_space.fixed import fixed_spec
from search_space.sampling import sample_specs
from search_space.spaces import get_space

compiler = pytest.importorskip("harness.engine.compiler", reason="engine compiler not in this tree")


def _specs() -> list:
    out = [fixed_spec("kws-s"), fixed_spec("ad-m")]
    for name in ("kws", "ad", "vww50"):
        out += sample_specs(get_space(name), 3, seed=17)
    return out


@pytest.mark.parametrize("spec", _specs(), ids=lambda s: s.name)
def test_engine_plans_fast_path_files(spec) -> None:
    data = spec_to_tflite(spec, seed=6)
    plan = compiler.compile_model(data)
    counts = count_spec(spec, engine=True)
    assert counts.engine_arena_bytes == plan.arena_bytes
    assert counts.engine_plan_bytes == plan.plan_bytes > plan.weights_bytes >= counts.params
    assert plan.macs == counts.macs
    # Every op's inputs and output are live together, so no plan can beat the working-memory bound.
    assert plan.arena_bytes >= counts.peak_sram_bytes
    has_add = any(layer.op == "ADD" for layer in counts.layers)
    if not has_add:
        # A plain chain needs exactly the largest input + output + kernel scratch of one op.
        assert len(plan.ops) == len(counts.layers)
        assert plan.arena_bytes == max(layer.working_bytes + op.scratch_bytes
                                       for layer, op in zip(counts.layers, plan.ops, strict=True))


def test_engine_runs_fast_path_bit_exact_with_tflm() -> None:
    from harness.engine.host_engine import HostEngine
    from harness.engine.oracle import TflmOracle

    for spec in (fixed_spec("dscnn-s"), sample_specs(get_space("vww50"), 1, seed=2)[0]):
        data = spec_to_tflite(spec, seed=8)
        x = np.random.default_rng(3).integers(-128, 128, size=(1, *spec.input_shape), dtype=np.int8)
        expected = TflmOracle(data).run(x)
        got = HostEngine(compiler.compile_model(data)).run(x)
        np.testing.assert_array_equal(got.reshape(expected.shape), expected)


def test_count_tflite_engine_flag_on_shared_model() -> None:
    from harness.paths import SHARED_MODELS_DIR

    counts = count_tflite(SHARED_MODELS_DIR / "kws_ref_model.tflite", engine=True)
    assert counts.engine_arena_bytes is not None and counts.engine_arena_bytes >= counts.peak_sram_bytes == 16_000
