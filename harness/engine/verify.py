"""Check a compiled plan against the TFLM oracle on random inputs, through a pluggable runner.

A runner executes the plan somewhere (the host build of the engine here; the emulated twin or a
board elsewhere) and returns outputs and, optionally, intermediate tensors. Register another runner
with :func:`register_runner`; ``tinyhil verify --runner NAME`` picks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from harness.engine.compiler import CompiledPlan
from harness.engine.oracle import TflmOracle


class PlanRunner(Protocol):
    """Runs one compiled plan; created once per verification."""

    name: str

    def run(self, x: np.ndarray) -> np.ndarray: ...

    def intermediates(self, x: np.ndarray, shapes: dict[int, tuple[tuple[int, ...], str]]) -> dict[int, np.ndarray]:
        ...

    def close(self) -> None: ...


RunnerFactory = Callable[[CompiledPlan, Any, bytes], PlanRunner]
_RUNNERS: dict[str, RunnerFactory] = {}


def register_runner(name: str, factory: RunnerFactory) -> None:
    """Make a runner available to verify: factory(plan, board, tflite_bytes) -> PlanRunner."""
    _RUNNERS[name] = factory


def runner_names() -> list[str]:
    return sorted(_RUNNERS)


def make_runner(name: str, plan: CompiledPlan, board: Any = None, model_bytes: bytes = b"") -> PlanRunner:
    if name not in _RUNNERS:
        raise ValueError(f"unknown runner {name!r}; available: {', '.join(runner_names())}")
    return _RUNNERS[name](plan, board, model_bytes)


@dataclass
class HostRunner:
    """The host build of the C engine; DSP kernels (emulated intrinsics) when the board's core has DSP."""

    plan: CompiledPlan
    dsp: bool = True
    name: str = "host"

    def __post_init__(self) -> None:
        from harness.engine.host_engine import HostEngine

        self.engine = HostEngine(self.plan, dsp=self.dsp)

    def run(self, x: np.ndarray) -> np.ndarray:
        return self.engine.run(x)

    def intermediates(self, x: np.ndarray, shapes: dict[int, tuple[tuple[int, ...], str]]) -> dict[int, np.ndarray]:
        return self.engine.intermediates(x, shapes)

    def close(self) -> None:
        pass


def _host_factory(plan: CompiledPlan, board: Any, model_bytes: bytes) -> PlanRunner:
    dsp = bool(getattr(getattr(board, "core", None), "dsp", True))
    return HostRunner(plan, dsp=dsp, name="host-dsp" if dsp else "host-ref")


@dataclass
class TwinRunner:
    """The board's emulated twin (QEMU + the DUT firmware with this engine built for its core).

    Inputs go through the DUT protocol; outputs and intermediates are read back as raw tensor
    bytes with the firmware's ``tensor INDEX LAST_OP`` command (th_engine_invoke_until +
    th_engine_tensor), so float outputs are compared exactly too.
    """

    plan: CompiledPlan
    board: Any
    model_bytes: bytes
    name: str = "twin"

    def __post_init__(self) -> None:
        from harness.runtime.model_prep import prepare_model
        from harness.runtime.targets import TwinTarget

        if self.board is None:
            raise ValueError("the twin runner needs a board")
        self.name = f"{self.board.name}@twin"
        self.model = prepare_model(self.model_bytes, name=Path(self.plan.source).stem[:32] or "model")
        if self.model.plan.plan_hash != self.plan.plan_hash:
            raise ValueError("the twin runner compiled a different plan than the one being verified")
        self.target = TwinTarget(self.board)
        self.target.load(self.model)

    def _load(self, x: np.ndarray) -> None:
        spec = self.plan.input
        data = np.ascontiguousarray(np.asarray(x).astype(spec.dtype)).tobytes()
        self.target.client.load_input(data)

    def _read(self, index: int, last_op: int, shape: tuple[int, ...], dtype: str) -> np.ndarray:
        dump = self.target.client.tensor(index, last_op)
        return np.frombuffer(dump.data, dtype=dtype).reshape(shape).copy()

    def run(self, x: np.ndarray) -> np.ndarray:
        self._load(x)
        out = self.plan.output
        return self._read(out.index, len(self.plan.ops) - 1, out.shape, out.dtype)

    def intermediates(self, x: np.ndarray, shapes: dict[int, tuple[tuple[int, ...], str]]) -> dict[int, np.ndarray]:
        self._load(x)
        result: dict[int, np.ndarray] = {}
        for op_index, outputs in enumerate(self.plan.op_outputs):
            for t in outputs:
                shape, dtype = shapes[t]
                result[t] = self._read(t, op_index, shape, dtype)
        return result

    def close(self) -> None:
        self.target.close()


register_runner("host", _host_factory)
register_runner("host-ref", lambda plan, board, data: HostRunner(plan, dsp=False, name="host-ref"))
register_runner("twin", lambda plan, board, data: TwinRunner(plan, board, data))


@dataclass
class Mismatch:
    input_index: int
    op_index: int | None  # first op whose output differs (None: only the final output was compared)
    op_name: str
    tensor_index: int
    tensor_name: str
    element: tuple[int, ...]
    ours: float
    reference: float
    n_different: int

    def describe(self) -> str:
        where = f"op {self.op_index} ({self.op_name}) " if self.op_index is not None else "model output "
        return (
            f"input {self.input_index}: {where}tensor {self.tensor_index} ({self.tensor_name!r}) differs in "
            f"{self.n_different} elements; first at {list(self.element)}: engine {self.ours} vs TFLM {self.reference}"
        )


@dataclass
class VerifyReport:
    runner: str
    n_inputs: int
    outputs_equal: int
    intermediates_checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _first_difference(ours: np.ndarray, ref: np.ndarray) -> tuple[tuple[int, ...], int] | None:
    ref = np.asarray(ref).reshape(ours.shape)
    if ours.dtype.kind == "f":
        diff = ours.view(np.uint32 if ours.itemsize == 4 else np.uint64) != ref.astype(ours.dtype).view(
            np.uint32 if ours.itemsize == 4 else np.uint64)
    else:
        diff = ours != ref.astype(ours.dtype)
    if not diff.any():
        return None
    bad = np.argwhere(diff)
    return tuple(int(i) for i in bad[0]), len(bad)


def random_inputs(plan: CompiledPlan, n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    spec = plan.input
    if spec.dtype == "float32":
        # a range that exercises the whole int8 input range after quantisation
        lo, hi = spec.scale * (-128 - spec.zero_point), spec.scale * (127 - spec.zero_point)
        return [rng.uniform(lo, hi, size=spec.shape).astype(np.float32) for _ in range(n)]
    return [rng.integers(-128, 128, size=spec.shape, dtype=np.int8) for _ in range(n)]


def verify_plan(plan: CompiledPlan, model_bytes: bytes, runner: PlanRunner, n_inputs: int = 10,
                intermediates: bool = False, seed: int = 0, progress: Callable[[int], None] | None = None,
                stop_at_first: bool = True) -> VerifyReport:
    """Compare the runner with TFLM on `n_inputs` random inputs (and every intermediate if asked).

    When an output differs, the intermediates of that input are compared to name the first op
    whose output differs, even if `intermediates` is False.
    """
    oracle = TflmOracle(model_bytes)
    shapes = {t.index: (t.shape, t.dtype) for t in oracle.model.tensors}
    report = VerifyReport(runner=runner.name, n_inputs=n_inputs, outputs_equal=0)
    for i, x in enumerate(random_inputs(plan, n_inputs, seed)):
        ref = oracle.run(x)
        ours = runner.run(x)
        out_diff = _first_difference(ours, ref)
        if out_diff is None:
            report.outputs_equal += 1
        if intermediates or out_diff is not None:
            mm = _compare_intermediates(plan, oracle, runner, x, shapes, i)
            report.intermediates_checked += 1
            if mm is not None:
                report.mismatches.append(mm)
            elif out_diff is not None:
                elem, n = out_diff
                t = plan.output.index
                report.mismatches.append(Mismatch(i, None, "", t, plan.tensor_names[t], elem,
                                                  float(ours[elem]), float(np.asarray(ref).reshape(ours.shape)[elem]), n))
        if progress:
            progress(i + 1)
        if report.mismatches and stop_at_first:
            break
    return report


def _compare_intermediates(plan: CompiledPlan, oracle: TflmOracle, runner: PlanRunner, x: np.ndarray,
                           shapes: dict[int, tuple[tuple[int, ...], str]], input_index: int) -> Mismatch | None:
    oracle.run(x)
    ours = runner.intermediates(x, shapes)
    for op_index, outs in enumerate(plan.op_outputs):
        for t in outs:
            ref = oracle.tensor(t).reshape(ours[t].shape)
            d = _first_difference(ours[t], ref)
            if d is not None:
                elem, n = d
                return Mismatch(input_index, op_index, plan.ops[op_index].op_name, t, plan.tensor_names[t], elem,
                                float(ours[t][elem]), float(ref[elem]), n)
    return None
