"""Typed replies of the DUT protocol (MLPerf Tiny performance mode and tinyhil's extensions)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    """All lines of one command's reply, up to (not including) ``m-ready``."""

    command: str
    lines: tuple[str, ...]

    @property
    def errors(self) -> list[str]:
        return [line[3:-1] if line.startswith("e-[") and line.endswith("]") else line
                for line in self.lines if line.startswith("e-")]


@dataclass(frozen=True)
class BootInfo:
    lines: tuple[str, ...]
    timestamp_mode: str  # "performance" or "energy"
    errors: tuple[str, ...] = ()  # e.g. an empty or invalid plan slot


@dataclass(frozen=True)
class Profile:
    profile: str
    model: str


@dataclass(frozen=True)
class Identity:
    board: str
    core: str
    clock_hz: int
    variant: str  # "real" or "twin"
    firmware: str  # the firmware build's hash prefix
    cycle_counter: str  # "dwt" or "none"


@dataclass(frozen=True)
class PlanInfo:
    status: str  # "ok" or why not
    slot_addr: int
    slot_bytes: int
    model: str | None = None
    plan_bytes: int | None = None
    plan_hash: int | None = None  # the plan's CRC-32
    format_version: int | None = None
    n_ops: int | None = None
    n_tensors: int | None = None
    weights_bytes: int | None = None
    arena_bytes: int | None = None
    input_bytes: int | None = None
    input_type: int | None = None
    output_bytes: int | None = None
    output_type: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class ArenaInfo:
    used: int
    size: int
    input_buffer: int
    stack_used: int
    stack_size: int


@dataclass(frozen=True)
class CycleStats:
    """DWT cycles of the timed inferences of the last ``infer`` (all zero on twins)."""

    count: int
    total: int
    minimum: int
    maximum: int

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0


@dataclass(frozen=True)
class InferenceResult:
    iterations: int
    warmup: int
    t0_us: int
    t1_us: int
    results: tuple[float, ...]
    lines: tuple[str, ...] = field(default=(), compare=False)

    @property
    def elapsed_us(self) -> int:
        return self.t1_us - self.t0_us

    @property
    def latency_us(self) -> float:
        """MLPerf Tiny's latency: (t1 - t0) / N."""
        return self.elapsed_us / self.iterations


@dataclass(frozen=True)
class TensorDump:
    index: int
    last_op: int
    data: bytes
