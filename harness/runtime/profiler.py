"""Profile one model on one target: place the plan, check outputs against the oracle, time it.

A wrong output is an error, never a latency: the model is run on ``check_inputs`` seeded random
inputs and every output element must equal the TFLM reference interpreter's, bit for bit, before
any timing is taken.
"""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass, field

import numpy as np

from harness.runtime.model_prep import PreparedModel
from harness.runtime.targets import Target, TimingSample
from harness.store.records import BoardRecord, FirmwareRecord, PlanRecord

log = logging.getLogger(__name__)


class OutputMismatch(RuntimeError):
    """The board's output differs from the oracle's: names the input, element, and both values."""

    def __init__(self, model: str, target: str, input_index: int, element: int, got: float, expected: float,
                 differing: int, total: int):
        self.element = element
        super().__init__(
            f"{model} on {target}: output differs from the TFLM oracle on input #{input_index}: "
            f"first at element {element} (got {got}, expected {expected}); {differing} of {total} elements differ"
        )


class ModelDoesNotFit(ValueError):
    """The model needs more SRAM or flash than the board has: a property of the model, not a fault."""


@dataclass(frozen=True)
class ProfileSettings:
    repeats: int = 1
    warmup: int = 0
    check_inputs: int = 1
    seed: int = 0
    infer_timeout_s: float = 300.0

    @classmethod
    def for_target(cls, target: Target, **overrides: int | float) -> ProfileSettings:
        """Twins are deterministic: one timed inference says it all. Real boards: MLPerf-like."""
        base = cls() if target.is_twin else cls(repeats=20, warmup=10)
        return cls(**{**base.__dict__, **overrides})


@dataclass(frozen=True)
class ProfileResult:
    model: PreparedModel
    target: str
    source: str
    clock_hz: int
    samples: tuple[TimingSample, ...]
    outputs_checked: int
    lap_latency_us: float  # the DUT's own (t1 - t0) / N; on a twin this is QEMU's virtual time
    # Host seconds spent in each phase: load (plan onto the board), oracle, check (on the device),
    # timed (the timed inferences).
    phase_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def cycles(self) -> list[int]:
        return [s.cycles for s in self.samples]

    @property
    def instructions(self) -> int | None:
        values = [s.instructions for s in self.samples if s.instructions is not None]
        return int(statistics.median(values)) if values else None

    @property
    def cycles_median(self) -> float:
        return float(statistics.median(self.cycles))

    @property
    def latency_ms(self) -> float:
        return self.cycles_median / self.clock_hz * 1e3

    @property
    def cycles_per_mac(self) -> float:
        return self.cycles_median / max(self.model.counts.macs, 1)


def _device_output(target: Target, model: PreparedModel, results: tuple[float, ...]) -> np.ndarray:
    out = model.plan.output
    if out.dtype == "int8":
        return np.asarray(results, dtype=np.int64)
    # A float output is printed with 3 decimals by the MLPerf protocol: read the exact bytes instead.
    dump = target.client.tensor(out.index, len(model.plan.ops) - 1)
    return np.frombuffer(dump.data, dtype=np.dtype(out.dtype)).astype(np.float64)


def _check(target: Target, model: PreparedModel, x: np.ndarray, results: tuple[float, ...], input_index: int,
           phases: dict[str, float]) -> None:
    got = _device_output(target, model, results).ravel()
    t0 = time.perf_counter()
    expected = np.asarray(model.expected(x)).ravel().astype(got.dtype)
    phases["oracle"] = phases.get("oracle", 0.0) + time.perf_counter() - t0
    if got.shape != expected.shape:
        raise OutputMismatch(model.name, target.name, input_index, -1, len(got), len(expected), -1, len(expected))
    if not np.array_equal(got, expected):
        diff = np.flatnonzero(got != expected)
        k = int(diff[0])
        raise OutputMismatch(model.name, target.name, input_index, k, got[k].item(), expected[k].item(), len(diff),
                             got.size)


def profile_model(target: Target, model: PreparedModel, settings: ProfileSettings | None = None) -> ProfileResult:
    """Time ``model`` on ``target``: the timed inferences run on the first of the seeded inputs and
    their outputs are checked against the oracle; the other inputs are checked with one inference each."""
    settings = settings or ProfileSettings.for_target(target)
    problem = target.fit_problem(model)
    if problem:
        raise ModelDoesNotFit(problem)
    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    target.load(model)
    phases["load"] = time.perf_counter() - t0
    client = target.client
    inputs = model.random_inputs(max(settings.check_inputs, 1), settings.seed)
    target.discard_timings()
    t1 = time.perf_counter()
    client.load_input(np.ascontiguousarray(inputs[0]).tobytes())
    result = client.infer(settings.repeats, settings.warmup, timeout=settings.infer_timeout_s)
    samples = target.timed_inferences(settings.repeats)
    phases["timed"] = time.perf_counter() - t1
    if settings.check_inputs:
        _check(target, model, inputs[0], result.results, 0, phases)
    for i, x in enumerate(inputs[1 : settings.check_inputs], start=1):
        t2 = time.perf_counter()
        client.load_input(np.ascontiguousarray(x).tobytes())
        check = client.infer(1, 0, timeout=settings.infer_timeout_s)
        phases["check"] = phases.get("check", 0.0) + time.perf_counter() - t2
        _check(target, model, x, check.results, i, phases)
    log.info("%s on %s: %d cycles (median of %d)", model.name, target.name,
             statistics.median(s.cycles for s in samples), len(samples))
    return ProfileResult(
        model=model,
        target=target.name,
        source=target.source,
        clock_hz=target.board.clock_hz,
        samples=tuple(samples),
        outputs_checked=settings.check_inputs,
        lap_latency_us=result.latency_us,
        phase_seconds=phases,
    )


def store_records(target: Target, model: PreparedModel) -> tuple[BoardRecord, FirmwareRecord, PlanRecord]:
    """The board, firmware and plan rows a measurement on ``target`` is stored with."""
    board = BoardRecord.from_board(target.board, twin=target.is_twin)
    firmware = FirmwareRecord(hash=target.image.hash, board=board.name, size_report=target.image.size.__dict__)
    plan = PlanRecord(hash=model.plan.plan_hash, model_hash=model.hash, board=board.name)
    return board, firmware, plan
