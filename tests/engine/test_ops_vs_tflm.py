"""Every supported op over a grid of shapes and parameters, bit-exact against TFLM's kernels.

Models are small Keras models converted with TFLiteConverter (int8, representative dataset). Each is
run on the host build of the C engine, with the reference kernels and with the DSP kernels (their
intrinsics emulated in C), and compared with the tflite-micro interpreter: outputs on several
random inputs, and every intermediate tensor on one.
"""

from __future__ import annotations

import numpy as np
import pytest
from engine_op_grid import CASES
from engine_testlib import compile_bytes, oracle_for, random_inputs

from harness.engine.host_engine import HostEngine
from harness.engine.tflite_model import read_tflite

N_INPUTS = 6


def assert_same(ours: np.ndarray, ref: np.ndarray, what: str) -> None:
    ref = np.asarray(ref).reshape(ours.shape)
    if ours.dtype == np.float32:
        same = np.array_equal(ours.view(np.uint32), ref.astype(np.float32).view(np.uint32))
    else:
        same = np.array_equal(ours, ref)
    if not same:
        bad = np.argwhere(ours != ref)
        first = tuple(bad[0])
        raise AssertionError(f"{what}: {len(bad)} elements differ, first at {first}: ours {ours[first]} vs TFLM {ref[first]}")


@pytest.mark.parametrize("dsp", [False, True], ids=["ref", "dsp"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_op_bit_exact(case, dsp, op_models):
    data = op_models.tflite(case)
    model = read_tflite(data)
    assert case.expect_op in model.op_names, f"converter produced {model.op_names}, not {case.expect_op}"
    plan = compile_bytes(data, case.name)
    engine = HostEngine(plan, dsp=dsp)
    oracle = oracle_for(data)
    inputs = random_inputs(plan, N_INPUTS, seed=hash(case.name) & 0xFFFF)
    for i, x in enumerate(inputs):
        assert_same(engine.run(x), oracle.run(x), f"{case.name} output, input {i}")
    # every intermediate tensor, each read right after the op that writes it
    x = inputs[0]
    oracle.run(x)
    shapes = {t.index: (t.shape, t.dtype) for t in model.tensors}
    ours = engine.intermediates(x, shapes)
    for op_index, outputs in enumerate(plan.op_outputs):
        for t in outputs:
            assert_same(ours[t], oracle.tensor(t), f"{case.name} op {op_index} ({plan.ops[op_index].op_name}) tensor {t}")
