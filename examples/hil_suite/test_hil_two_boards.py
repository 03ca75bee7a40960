"""Two DUTs in one test: the same plan gives the same output on the Cortex-M4 and the Cortex-M7."""

from __future__ import annotations

import pytest

from harness.paths import SHARED_MODELS_DIR
from harness.pytest_plugin import assert_bit_exact
from harness.pytest_plugin.models import prepared


@pytest.mark.parametrize("tinyhil_board", ["nucleo-f446re|nucleo-f746zg"], indirect=True)
def test_m4_and_m7_agree(duts) -> None:
    model = prepared(SHARED_MODELS_DIR / "ad01_int8.tflite")
    m4, m7 = duts
    for seed in range(3):
        x = model.random_inputs(1, seed=seed)[0]
        assert_bit_exact(m4.run(model, x), m7.run(model, x), what=f"{model.name} input {seed}: {m4.name} vs {m7.name}")
