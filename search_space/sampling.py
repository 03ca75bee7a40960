"""Seeded sampling of architectures: uniform over each decision's options, optionally under a budget.

:func:`sample_choices` draws every decision independently and uniformly (MicroNets' "uniform prior
over models"). :func:`sample_specs` returns specs. :func:`sample_within_budget` keeps only specs
whose peak SRAM (working-memory model) and flash estimate fit a budget:

* ``strategy="reject"`` redraws until a sample fits — exactly the uniform prior conditioned on the
  budget, but slow when the budget admits a small share of the space;
* ``strategy="bias"`` additionally narrows width options towards the small end after every run of
  rejections (the first option always stays in), trading uniformity for speed.

A budget below the space's minimum raises :class:`BudgetError` at once, naming that minimum.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from search_space.counting import ResourceCounts, count_spec
from search_space.spaces.base import Decision, SearchSpace
from search_space.spec import ArchSpec

__all__ = ["Budget", "BudgetError", "sample_choices", "sample_specs", "sample_within_budget", "iter_samples"]


class BudgetError(ValueError):
    """The budget cannot be met (below the space's minimum, or no sample found within the tries)."""

    def __init__(self, message: str, minimum: ResourceCounts | None = None):
        super().__init__(message)
        self.minimum = minimum


@dataclass(frozen=True)
class Budget:
    sram_bytes: int | None = None
    flash_bytes: int | None = None

    def fits(self, counts: ResourceCounts) -> bool:
        if self.sram_bytes is not None and counts.peak_sram_bytes > self.sram_bytes:
            return False
        if self.flash_bytes is not None and counts.flash_bytes > self.flash_bytes:
            return False
        return True

    def describe(self) -> str:
        parts = []
        if self.sram_bytes is not None:
            parts.append(f"SRAM {self.sram_bytes} B")
        if self.flash_bytes is not None:
            parts.append(f"flash {self.flash_bytes} B")
        return " and ".join(parts) or "no limit"


def _draw(decision: Decision, rng: random.Random, keep_fraction: float = 1.0) -> Any:
    options = decision.options
    if keep_fraction < 1.0 and not isinstance(options[0], bool) and len(options) > 2:
        options = options[: max(1, int(round(len(options) * keep_fraction)))]
    return options[rng.randrange(len(options))]


def sample_choices(space: SearchSpace, rng: random.Random) -> dict[str, Any]:
    """One option per decision, each uniform and independent."""
    return {d.name: _draw(d, rng) for d in space.decisions()}


def iter_samples(space: SearchSpace, seed: int) -> Iterator[ArchSpec]:
    rng = random.Random(seed)
    i = 0
    while True:
        yield space.build(sample_choices(space, rng), name=f"{space.name}-s{seed}-{i}")
        i += 1


def sample_specs(space: SearchSpace, n: int, seed: int = 0) -> list[ArchSpec]:
    """``n`` specs drawn uniformly with a fixed seed (the same seed gives the same specs)."""
    if n < 0:
        raise ValueError(f"n: expected a count >= 0, got {n}")
    it = iter_samples(space, seed)
    return [next(it) for _ in range(n)]


def sample_within_budget(
    space: SearchSpace,
    n: int,
    *,
    seed: int = 0,
    sram_bytes: int | None = None,
    flash_bytes: int | None = None,
    strategy: str = "reject",
    max_tries: int = 20000,
) -> list[ArchSpec]:
    """``n`` specs that fit the budget; see the module docstring for the strategies."""
    if strategy not in ("reject", "bias"):
        raise ValueError(f"strategy: expected 'reject' or 'bias', got {strategy!r}")
    budget = Budget(sram_bytes, flash_bytes)
    minimum = count_spec(space.minimum_spec())
    if not budget.fits(minimum):
        raise BudgetError(
            f"budget {budget.describe()} is below the minimum of space {space.name!r}: its smallest "
            f"architecture needs peak SRAM {minimum.peak_sram_bytes} B and flash {minimum.flash_bytes} B",
            minimum,
        )
    rng = random.Random(seed)
    decisions = space.decisions()
    out: list[ArchSpec] = []
    tries = 0
    keep = 1.0
    misses = 0
    while len(out) < n:
        if tries >= max_tries:
            raise BudgetError(
                f"found {len(out)} of {n} specs of space {space.name!r} within {budget.describe()} "
                f"after {tries} draws; loosen the budget, use strategy='bias' or raise max_tries"
            )
        tries += 1
        choices = {d.name: _draw(d, rng, keep) for d in decisions}
        spec = space.build(choices, name=f"{space.name}-b{seed}-{len(out)}")
        if budget.fits(count_spec(spec)):
            out.append(spec)
            misses = 0
        else:
            misses += 1
            if strategy == "bias" and misses % 20 == 0:
                keep = max(0.05, keep * 0.8)
    return out
