"""What the ``profile_model`` fixture returns: one model timed on one board, outputs checked first.

On a twin the timing plugin's cycle count is deterministic, so one timed inference is the answer.
On a real board the measurement is MLPerf-like: several windows of repeated inferences after a
warm-up, giving a distribution (window means, and each window's fastest and slowest inference).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from harness.pytest_plugin.dut import Dut
from harness.pytest_plugin.models import ModelLike, prepared
from harness.runtime.model_prep import PreparedModel
from harness.runtime.profiler import ProfileSettings, profile_model


@dataclass(frozen=True)
class ProfileOptions:
    """How to time a model; ``None`` fields take the target's default (twin: 1x1, board: 5 windows of 20)."""

    repeats: int | None = None
    warmup: int | None = None
    windows: int | None = None
    check_inputs: int = 1
    seed: int = 0
    infer_timeout_s: float = 300.0

    def resolved(self, is_twin: bool) -> tuple[int, int, int]:
        repeats = self.repeats if self.repeats is not None else (1 if is_twin else 20)
        warmup = self.warmup if self.warmup is not None else (0 if is_twin else 10)
        windows = self.windows if self.windows is not None else (1 if is_twin else 5)
        if repeats < 1 or warmup < 0 or windows < 1 or self.check_inputs < 0:
            raise ValueError(
                f"profile_model: expected repeats >= 1, warmup >= 0, windows >= 1, check_inputs >= 0; "
                f"got {repeats}, {warmup}, {windows}, {self.check_inputs}"
            )
        return repeats, warmup, windows


def quantile(values: list[float] | tuple[float, ...], q: float) -> float:
    """The ``q`` quantile by the nearest-rank rule (always one of ``values``)."""
    if not values:
        raise ValueError("quantile of no values")
    if not 0 <= q <= 1:
        raise ValueError(f"quantile: expected 0 <= q <= 1, got {q}")
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return float(ordered[rank - 1])


@dataclass(frozen=True)
class Measurement:
    """One model's latency on one board (twin: modelled cycles; real board: measured by DWT)."""

    model: str
    model_hash: str
    plan_hash: str
    target: str  # board or board@twin
    board: str
    is_twin: bool
    source: str  # "emulated" or "measured"
    clock_hz: int
    firmware_hash: str
    cycles: tuple[int, ...]  # per-inference samples, all windows
    # Each window's typical inference: the median of its samples. A real board's firmware reports
    # min, max and mean per window (the runtime expands them to samples), so this is the mean there.
    window_cycles: tuple[float, ...]
    outputs_checked: int
    instructions: int | None = None
    lap_latency_us: tuple[float, ...] = ()  # the DUT's own (t1 - t0) / N per window

    @property
    def cycles_median(self) -> float:
        """Median over windows of each window's typical inference (MLPerf's score); the one count on a twin."""
        return float(statistics.median(self.window_cycles))

    @property
    def latency_ms(self) -> float:
        return self.cycles_median / self.clock_hz * 1e3

    def latency_quantile_ms(self, q: float) -> float:
        """The ``q`` quantile of the per-inference samples, in ms."""
        return quantile(self.cycles, q) / self.clock_hz * 1e3

    @property
    def min_ms(self) -> float:
        return min(self.cycles) / self.clock_hz * 1e3

    @property
    def max_ms(self) -> float:
        return max(self.cycles) / self.clock_hz * 1e3

    def describe(self) -> str:
        if self.is_twin:
            return (f"{self.model} on {self.target}: modelled {self.latency_ms:.3f} ms "
                    f"({self.cycles_median:.0f} cycles at {self.clock_hz / 1e6:g} MHz)")
        return (f"{self.model} on {self.target}: median {self.latency_ms:.3f} ms over {len(self.window_cycles)} windows, "
                f"min {self.min_ms:.3f} ms, max {self.max_ms:.3f} ms ({len(self.cycles)} samples at {self.clock_hz / 1e6:g} MHz)")


def measure(dut: Dut, model: ModelLike, options: ProfileOptions | None = None) -> tuple[Measurement, PreparedModel]:
    """Check ``model``'s outputs against the TFLM oracle on ``dut``, then time it."""
    options = options or ProfileOptions()
    prepared_model = prepared(model)
    repeats, warmup, windows = options.resolved(dut.is_twin)
    dut.load(prepared_model)  # fit check and placement (the target notes the plan for the JUnit properties)
    samples: list[int] = []
    window_means: list[float] = []
    laps: list[float] = []
    checked = 0
    instructions: list[int] = []
    for window in range(windows):
        settings = ProfileSettings(repeats=repeats, warmup=warmup, check_inputs=options.check_inputs if window == 0 else 0,
                                   seed=options.seed, infer_timeout_s=options.infer_timeout_s)
        result = profile_model(dut.target, prepared_model, settings)
        checked += result.outputs_checked
        window_cycles = result.cycles
        samples.extend(window_cycles)
        window_means.append(float(statistics.median(window_cycles)))
        laps.append(result.lap_latency_us)
        if result.instructions is not None:
            instructions.append(result.instructions)
    record = Measurement(
        model=prepared_model.name,
        model_hash=prepared_model.hash,
        plan_hash=prepared_model.plan.plan_hash,
        target=dut.name,
        board=dut.board.name,
        is_twin=dut.is_twin,
        source=dut.target.source,
        clock_hz=dut.board.clock_hz,
        firmware_hash=dut.firmware_hash,
        cycles=tuple(samples),
        window_cycles=tuple(window_means),
        outputs_checked=checked,
        instructions=int(statistics.median(instructions)) if instructions else None,
        lap_latency_us=tuple(laps),
    )
    return record, prepared_model
