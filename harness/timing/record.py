"""One timing result, from the emulated twin's timing model or from a real board's cycle counter."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

TimingSource = Literal["emulated", "measured"]
SOURCES = ("emulated", "measured")


@dataclass(frozen=True)
class TimingRecord:
    """Cycles of one run or one region, and what they mean in time at a clock.

    - ``source="emulated"``: ``cycles`` come from the timing plugin's table ``timing_model``
      ("cortex-m4"/"cortex-m7") and ``instructions`` is the exact guest instruction count.
    - ``source="measured"``: ``cycles`` are DWT CYCCNT ticks on a real board; ``timing_model``
      names the board's core and ``instructions`` is None (the DWT has no instruction counter).

    ``region`` is the region's index in the run (``None``: the whole run). ``us_at_clock`` is
    derived: cycles / clock_hz in microseconds.
    """

    source: TimingSource
    cycles: int
    clock_hz: int
    timing_model: str
    instructions: int | None = None
    region: int | None = None
    us_at_clock: float = field(init=False)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"timing record: source: expected one of {SOURCES}, got {self.source!r}")
        if self.cycles < 0:
            raise ValueError(f"timing record: cycles: expected a non-negative count, got {self.cycles}")
        if self.clock_hz <= 0:
            raise ValueError(f"timing record: clock_hz: expected a positive frequency, got {self.clock_hz}")
        if self.instructions is not None and self.instructions < 0:
            raise ValueError(f"timing record: instructions: expected a non-negative count, got {self.instructions}")
        object.__setattr__(self, "us_at_clock", self.cycles * 1e6 / self.clock_hz)

    @classmethod
    def measured(cls, cycles: int, clock_hz: int, core: str, region: int | None = None) -> TimingRecord:
        """A real board's DWT CYCCNT reading (32-bit counter: the caller unwraps differences)."""
        return cls(source="measured", cycles=cycles, clock_hz=clock_hz, timing_model=core, region=region)

    @property
    def cpi(self) -> float | None:
        """Cycles per instruction (emulated records only)."""
        if not self.instructions:
            return None
        return self.cycles / self.instructions

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
