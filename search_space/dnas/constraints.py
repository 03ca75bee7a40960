"""A board's budget for a searched model, and the up-front feasibility check.

* SRAM: the firmware's arena (``build_firmware(board, "twin").size.arena``: SRAM minus static data
  and stack) minus the model's input buffer, rounded down to the arena alignment — the engine's
  arena equals the working-memory count (one buffer per live activation, see docs/engine), so a
  spec whose working memory is within this fits the firmware exactly as ``Target.fit_problem``
  decides.
* Flash: the firmware's plan slot (the flash the compiled plan may use); the search bounds the
  counter's flatbuffer estimate, which is above the compiled plan's size.
* Latency: the budget in ms, predicted as slope · Mops + intercept by the board's fitted model.

:func:`check_feasible` compares the space's minimum spec (smallest widths, every block dropped)
with the budget and raises :class:`InfeasibleTargetError` naming the smallest achievable numbers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from search_space.counting import count_spec
from search_space.spaces import SearchSpace, get_space

__all__ = ["InfeasibleTargetError", "ResourceLimits", "LatencyLine", "limits_for_board", "check_feasible",
           "latency_line"]

ARENA_ALIGN = 16


class InfeasibleTargetError(ValueError):
    """No architecture of the space meets the budget; the message gives the smallest achievable numbers."""

    def __init__(self, message: str, minimum: dict[str, float]):
        self.minimum = minimum
        super().__init__(message)


@dataclass(frozen=True)
class LatencyLine:
    """latency_ms = slope · Mops + intercept (Mops = 2·MACs/1e6, as the fits use)."""

    slope: float
    intercept: float
    board: str = ""
    source: str = ""

    def predict_ms(self, paper_ops: float) -> float:
        return self.slope * paper_ops / 1e6 + self.intercept


@dataclass(frozen=True)
class ResourceLimits:
    board: str
    latency_ms: float
    sram_bytes: int  # working-memory budget (arena left after the input buffer)
    flash_bytes: int  # plan slot
    arena_bytes: int  # the firmware's whole arena
    input_bytes: int
    board_sram_bytes: int
    board_flash_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def latency_line(model: Any) -> LatencyLine:
    """The OLS proxy line of a fitted :class:`harness.latency.LatencyModel`."""
    return LatencyLine(float(model.proxy.slope), float(model.proxy.intercept), model.board,
                       getattr(model.provenance, "source", ""))


def limits_for_board(board_name: str, latency_ms: float, space: SearchSpace | str = "kws") -> ResourceLimits:
    """The budget on ``board_name`` (its twin firmware's arena and plan slot) for a model of ``space``."""
    from harness.boards import get_board
    from harness.firmware.build import build_firmware

    if not (latency_ms > 0 and math.isfinite(latency_ms)):
        raise ValueError(f"--latency-ms: expected a positive number of milliseconds, got {latency_ms}")
    sp = get_space(space) if isinstance(space, str) else space
    board = get_board(board_name.removesuffix("@twin"))
    image = build_firmware(board, "twin")
    input_bytes = math.prod(sp.input_shape)  # int8
    sram = (image.size.arena - input_bytes) // ARENA_ALIGN * ARENA_ALIGN
    return ResourceLimits(board.name, float(latency_ms), int(sram), int(image.plan_slot_bytes), int(image.size.arena),
                          int(input_bytes), int(board.sram_bytes), int(board.flash_bytes))


def check_feasible(space: SearchSpace | str, limits: ResourceLimits, line: LatencyLine | None) -> dict[str, float]:
    """Raise :class:`InfeasibleTargetError` when even the space's minimum spec misses the budget;
    return the minimum's numbers otherwise. ``line`` None skips the latency check (no fit yet)."""
    sp = get_space(space) if isinstance(space, str) else space
    counts = count_spec(sp.minimum_spec())
    minimum = {"sram_bytes": counts.peak_sram_bytes, "flash_bytes": counts.flash_bytes, "mops": counts.mops}
    problems = []
    if counts.peak_sram_bytes > limits.sram_bytes:
        problems.append(f"SRAM: the smallest {sp.name} model needs {counts.peak_sram_bytes} B of working memory, "
                        f"the {limits.board} firmware leaves {limits.sram_bytes} B")
    if counts.flash_bytes > limits.flash_bytes:
        problems.append(f"flash: the smallest {sp.name} model needs about {counts.flash_bytes} B, "
                        f"the plan slot of {limits.board} holds {limits.flash_bytes} B")
    if line is not None:
        ms = line.predict_ms(counts.paper_ops)
        minimum["latency_ms"] = ms
        if ms > limits.latency_ms:
            problems.append(f"latency: the smallest {sp.name} model ({counts.mops:.3f} Mops) is predicted at "
                            f"{ms:.2f} ms on {limits.board} (fit: {line.slope:.4g} ms/Mop + {line.intercept:.4g} ms), "
                            f"above the {limits.latency_ms:g} ms budget")
    if problems:
        raise InfeasibleTargetError("infeasible target: " + "; ".join(problems), minimum)
    return minimum
