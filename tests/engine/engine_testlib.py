"""Helpers shared by the engine tests."""

from __future__ import annotations

import numpy as np

from harness.engine.compiler import CompiledPlan, compile_model
from harness.engine.oracle import TflmOracle


def random_inputs(plan: CompiledPlan, n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    spec = plan.input
    if spec.dtype == "float32":
        return [rng.normal(0.0, 1.5, size=spec.shape).astype(np.float32) for _ in range(n)]
    return [rng.integers(-128, 128, size=spec.shape, dtype=np.int8) for _ in range(n)]


def oracle_for(data: bytes) -> TflmOracle:
    return TflmOracle(data)


def compile_bytes(data: bytes, name: str) -> CompiledPlan:
    return compile_model(data, source=f"{name}.tflite")
