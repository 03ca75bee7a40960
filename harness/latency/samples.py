"""Latency samples: the (ops, per-layer-type ops, layers, latency) rows the fits are made on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from harness.latency.layer_types import LAYER_TYPES, canonical_layer_ops


class FitDataError(ValueError):
    """Too few or unusable samples for a fit; the message names the board and space."""


@dataclass(frozen=True)
class LatencySample:
    model_hash: str
    ops: float
    latency_ms: float
    ops_by_layer_type: dict[str, float] = field(default_factory=dict)
    layers: int = 0
    run_id: str = ""
    name: str = ""

    @property
    def mops(self) -> float:
        return self.ops / 1e6


def samples_from_store(
    store,
    *,
    board: str,
    space: str,
    source: str | None = None,
    run_ids: Sequence[str] | None = None,
) -> list[LatencySample]:
    """The stored measurements of one board and search space as fit samples."""
    items = store.measurements(board=board, space=space, source=source, run_id=list(run_ids) if run_ids else None)
    return [
        LatencySample(
            model_hash=i.model.hash,
            ops=float(i.model.ops),
            latency_ms=i.latency_ms,
            ops_by_layer_type=canonical_layer_ops(i.model.ops_by_layer_type),
            layers=i.model.layers,
            run_id=i.measurement.run_id,
            name=i.model.name,
        )
        for i in items
    ]


def arrays(samples: Sequence[LatencySample]) -> tuple[np.ndarray, np.ndarray]:
    """(Mops, latency ms) as float arrays."""
    x = np.array([s.mops for s in samples], dtype=float)
    y = np.array([s.latency_ms for s in samples], dtype=float)
    return x, y


def layer_features(samples: Sequence[LatencySample]) -> np.ndarray:
    """Per-layer-type Mops (columns in LAYER_TYPES order) then the number of layers."""
    rows = []
    for s in samples:
        ops = canonical_layer_ops(s.ops_by_layer_type)
        rows.append([ops[t] / 1e6 for t in LAYER_TYPES] + [float(s.layers)])
    return np.array(rows, dtype=float).reshape(len(rows), len(LAYER_TYPES) + 1)


def check_samples(samples: Sequence[LatencySample], *, minimum: int, what: str) -> None:
    if len(samples) < minimum:
        raise FitDataError(f"{what}: need at least {minimum} measurements to fit, got {len(samples)}")
    x, y = arrays(samples)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise FitDataError(f"{what}: ops and latency must be finite numbers")
    if np.any(y <= 0):
        bad = next(s for s in samples if s.latency_ms <= 0)
        raise FitDataError(f"{what}: model {bad.model_hash}: latency must be positive, got {bad.latency_ms} ms")
    if np.ptp(x) == 0:
        raise FitDataError(f"{what}: every model has the same op count ({x[0]:g} Mops); a slope cannot be fitted")
