"""Each model: outputs bit-exact with the TFLM reference, then its latency against the budget.

On a twin the latency is the timing model's deterministic cycle count; on a real board it is the
DWT-measured distribution (median over windows, and the 95th percentile within 10 % of budget).
"""

from __future__ import annotations

from harness.pytest_plugin import assert_bit_exact, assert_latency


def test_model_meets_its_latency_budget(profile_model, model_path, budget_ms) -> None:
    record = profile_model(model_path)
    assert_bit_exact(record)
    assert_latency(record, max_ms=budget_ms)


def test_repeated_runs_agree(dut, model_path) -> None:
    """Two runs of the same input give the same output (no state leaks between inferences)."""
    import numpy as np

    from harness.pytest_plugin.models import prepared

    model = prepared(model_path)
    x = model.random_inputs(1, seed=3)[0]
    first = dut.run(model, x)
    second = dut.run(model, x)
    assert_bit_exact(second, first, what=f"{model.name} second run vs first")
    assert_bit_exact(first, np.asarray(model.expected(x)), what=f"{model.name} vs TFLM")
