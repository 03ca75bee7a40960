"""The MLPerf Tiny reference models, bit-exact with TFLM on the host build (50 random inputs each)."""

from __future__ import annotations

import numpy as np
import pytest
from engine_testlib import random_inputs

from harness.engine.compiler import compile_model
from harness.engine.host_engine import HostEngine
from harness.engine.oracle import TflmOracle
from harness.paths import SHARED_MODELS_DIR

MODELS = ["kws_ref_model.tflite", "vww_96_int8.tflite", "ad01_int8.tflite"]
# TFLM's arena totals for the same models (RecordingMicroAllocator), from the models' README.
TFLM_ARENA_TOTAL = {"kws_ref_model.tflite": 24_272, "vww_96_int8.tflite": 103_680, "ad01_int8.tflite": 3_984}
N_INPUTS = 50


def model_path(name: str):
    path = SHARED_MODELS_DIR / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="module", params=MODELS)
def compiled(request):
    path = model_path(request.param)
    return request.param, path, compile_model(path)


@pytest.mark.parametrize("dsp", [False, True], ids=["ref", "dsp"])
def test_outputs_bit_exact(compiled, dsp):
    name, path, plan = compiled
    engine = HostEngine(plan, dsp=dsp)
    oracle = TflmOracle.from_file(path)
    for i, x in enumerate(random_inputs(plan, N_INPUTS, seed=len(name))):
        ours, ref = engine.run(x), oracle.run(x).reshape(plan.output.shape)
        assert np.array_equal(ours, ref), f"{name} input {i}: ours {ours.ravel()[:8]} vs TFLM {ref.ravel()[:8]}"


def test_intermediates_bit_exact(compiled):
    name, path, plan = compiled
    engine = HostEngine(plan, dsp=True)
    oracle = TflmOracle.from_file(path)
    x = random_inputs(plan, 1, seed=7)[0]
    oracle.run(x)
    shapes = {t.index: (t.shape, t.dtype) for t in oracle.model.tensors}
    ours = engine.intermediates(x, shapes)
    assert len(ours) == len(plan.ops)
    for op_index, outs in enumerate(plan.op_outputs):
        for t in outs:
            assert np.array_equal(ours[t], oracle.tensor(t).reshape(ours[t].shape)), f"{name} op {op_index} tensor {t}"


def test_peak_ram_below_tflm(compiled):
    name, _, plan = compiled
    # the memory target: at most 0.8x TFLM's arena total
    assert plan.peak_ram_bytes <= 0.8 * TFLM_ARENA_TOTAL[name], (name, plan.peak_ram_bytes)
    assert plan.macs > 0 and plan.weights_bytes > 0
