"""Dataclass records: one per table of the results store.

Records are plain values. The store turns them into rows and back; nothing here touches SQLite.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MEASUREMENT_SOURCES = ("measured", "emulated")
RUN_STATUSES = ("running", "completed", "failed", "interrupted")


@dataclass(frozen=True)
class RunRecord:
    """One invocation of a sweep, profile or study.

    ``run_key`` identifies the configuration (what is being measured): re-running the same
    configuration gets a new ``id`` but the same ``run_key``, so finished work can be skipped.
    """

    id: str
    kind: str
    run_key: str
    started: str
    args: dict[str, Any] = field(default_factory=dict)
    status: str = "running"
    finished: str | None = None
    tinyhil_version: str = ""
    host: str = ""
    compiler_version: str = ""
    qemu_version: str = ""


@dataclass(frozen=True)
class BoardRecord:
    """A board as measured: the real board or its emulated twin (name ending in ``@twin``)."""

    name: str
    is_twin: bool
    core: str
    clock_hz: int
    timing_model: str = ""

    @classmethod
    def from_board(cls, board: Any, *, twin: bool) -> BoardRecord:
        """From a ``harness.boards.Board``; the twin is stored under ``board.twin_name``."""
        return cls(
            name=board.twin_name if twin else board.name,
            is_twin=twin,
            core=board.core.name,
            clock_hz=int(board.clock_hz),
            timing_model=board.twin.timing_model if twin else "",
        )

    @property
    def base_name(self) -> str:
        """The physical board's name, without the ``@twin`` suffix."""
        return self.name.removesuffix("@twin")


@dataclass(frozen=True)
class FirmwareRecord:
    hash: str
    board: str
    size_report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelRecord:
    """A model, keyed by the hash of its content.

    ``source`` is the path it was loaded from, or ``"sampled"`` for a model sampled from a search
    space (then ``arch_spec`` holds the architecture). ``ops`` are paper ops (one multiply or one
    add; a MAC is two ops). ``ops_by_layer_type`` uses the keys of
    ``harness.latency.layer_types.LAYER_TYPES``; ``layers`` is the number of compute layers.
    """

    hash: str
    source: str
    ops: int
    macs: int = 0
    name: str = ""
    space: str = ""
    arch_spec: dict[str, Any] | None = None
    params: int = 0
    flash_bytes: int = 0
    sram_bytes: int = 0
    arena_bytes: int = 0
    ops_by_layer_type: dict[str, float] = field(default_factory=dict)
    layers: int = 0


@dataclass(frozen=True)
class PlanRecord:
    """A memory/execution plan made for one model on one board."""

    hash: str
    model_hash: str
    board: str


@dataclass(frozen=True)
class CycleStats:
    """Summary of the per-inference cycle counts of repeated runs."""

    median: float
    min: int
    max: int
    mad: float
    repeats: int

    @classmethod
    def from_samples(cls, samples: Sequence[int]) -> CycleStats:
        if not samples:
            raise ValueError("cycle samples: expected at least one repeat, got none")
        values = [int(s) for s in samples]
        if any(v < 0 for v in values):
            raise ValueError(f"cycle samples: expected non-negative cycle counts, got {min(values)}")
        med = statistics.median(values)
        mad = statistics.median(abs(v - med) for v in values)
        return cls(median=float(med), min=min(values), max=max(values), mad=float(mad), repeats=len(values))

    def validate(self) -> None:
        if self.repeats < 1:
            raise ValueError(f"cycle stats: repeats must be at least 1, got {self.repeats}")
        if not (0 <= self.min <= self.median <= self.max) or not math.isfinite(self.median):
            raise ValueError(
                f"cycle stats: expected 0 <= min <= median <= max, got {self.min}, {self.median}, {self.max}"
            )
        if self.mad < 0:
            raise ValueError(f"cycle stats: MAD must be non-negative, got {self.mad}")


@dataclass(frozen=True)
class MeasurementRecord:
    """The latency of one model on one board in one run."""

    run_id: str
    run_key: str
    model_hash: str
    board: str
    source: str
    cycles_median: float
    cycles_min: int
    cycles_max: int
    cycles_mad: float
    repeats: int
    latency_us: float
    instructions: int | None = None
    firmware_hash: str | None = None
    plan_hash: str | None = None
    outputs_checked: bool = False
    created: str = ""
    id: int | None = None

    @property
    def latency_ms(self) -> float:
        return self.latency_us / 1000.0


@dataclass(frozen=True)
class FailureRecord:
    """One failed attempt at measuring a model on a board."""

    run_id: str
    run_key: str
    model_hash: str
    board: str
    attempt: int
    kind: str
    message: str
    console_excerpt: str = ""
    created: str = ""
    id: int | None = None


@dataclass(frozen=True)
class MeasuredModel:
    """A measurement joined with its model and board: what fitting and reports consume."""

    measurement: MeasurementRecord
    model: ModelRecord
    board: BoardRecord

    @property
    def latency_ms(self) -> float:
        return self.measurement.latency_ms
