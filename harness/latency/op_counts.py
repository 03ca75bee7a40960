"""The op counts a latency prediction needs, read from a counts dict or a spec-like object.

Accepted (keys of a mapping, or attributes of an object):
- total ops: ``ops`` | ``paper_ops`` | ``total_ops`` (one multiply or one add; a MAC is two ops),
  or ``macs`` (doubled), or the sum of the per-type breakdown;
- ``ops_by_layer_type`` | ``layer_ops``: ops per layer type (see ``layer_types``);
- ``layers`` | ``layer_count`` | ``n_layers``: number of compute layers;
- ``space``: the search space name (optional).
An object with a ``counts()`` or ``op_counts()`` method is asked for its counts mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.latency.layer_types import LayerTypeError, canonical_layer_ops

_OPS_KEYS = ("ops", "paper_ops", "total_ops")
_BREAKDOWN_KEYS = ("ops_by_layer_type", "layer_ops")
_LAYER_KEYS = ("layers", "layer_count", "n_layers")


@dataclass(frozen=True)
class OpCounts:
    ops: float
    ops_by_layer_type: dict[str, float] = field(default_factory=dict)
    layers: int = 0
    space: str | None = None

    @property
    def has_breakdown(self) -> bool:
        return any(v > 0 for v in self.ops_by_layer_type.values())


def _get(source: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if isinstance(source, Mapping):
            if key in source and source[key] is not None:
                return source[key]
        elif getattr(source, key, None) is not None and not callable(getattr(source, key)):
            return getattr(source, key)
    return None


def _number(value: Any, where: str) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a number, got {value!r}") from None
    if result < 0 or result != result:
        raise ValueError(f"{where}: expected a non-negative number, got {value!r}")
    return result


def counts_from(spec_or_counts: Any) -> OpCounts:
    if isinstance(spec_or_counts, OpCounts):
        return spec_or_counts
    source = spec_or_counts
    for method in ("counts", "op_counts"):
        if not isinstance(source, Mapping) and callable(getattr(source, method, None)):
            source = getattr(source, method)()
            break
    breakdown_raw = _get(source, _BREAKDOWN_KEYS)
    try:
        breakdown = canonical_layer_ops(breakdown_raw, where="counts.ops_by_layer_type") if breakdown_raw else {}
    except LayerTypeError as exc:
        raise ValueError(str(exc)) from None
    ops_raw = _get(source, _OPS_KEYS)
    if ops_raw is not None:
        ops = _number(ops_raw, "counts.ops")
    elif _get(source, ("macs",)) is not None:
        ops = 2.0 * _number(_get(source, ("macs",)), "counts.macs")
    elif breakdown:
        ops = float(sum(breakdown.values()))
    else:
        raise ValueError(
            "latency prediction: expected counts with 'ops' (paper ops), 'macs' or 'ops_by_layer_type', "
            f"got {type(spec_or_counts).__name__}"
            + (f" with keys {sorted(spec_or_counts)}" if isinstance(spec_or_counts, Mapping) else "")
        )
    layers_raw = _get(source, _LAYER_KEYS)
    layers = int(_number(layers_raw, "counts.layers")) if layers_raw is not None else 0
    space = _get(source, ("space",))
    return OpCounts(ops=ops, ops_by_layer_type=breakdown, layers=layers, space=str(space) if space else None)
