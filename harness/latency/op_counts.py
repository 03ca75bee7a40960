"""The op counts a latency prediction needs, read from a counts dict or a spec-like object.

Accepted (keys of a mapping, or attributes of an object):
- total ops: ``ops`` | ``paper_ops`` | ``total_ops`` (one multiply or one add; a MAC is two ops),
  or ``macs`` (doubled), or the sum of the per-type breakdown;
- ``ops_by_layer_type`` | ``layer_ops``: ops per layer type (see ``layer_types``);
- ``layers`` | ``layer_count`` | ``n_layers``: number of compute layers, or a list of per-layer
  rows (``op`` — a TFLite op name —, ``macs``, ``element_ops``, optionally ``kernel`` and ``name``,
  as ``search_space.counting.ResourceCounts.layers`` has), from which the breakdown is derived;
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


_MAC_LAYER_TYPES = {"CONV_2D": "conv", "DEPTHWISE_CONV_2D": "depthwise", "FULLY_CONNECTED": "fully_connected"}
_POINTWISE_NAME_SUFFIXES = (".pw", ".expand", ".project", "pointwise")


def _field(row: Any, name: str, default: Any = None) -> Any:
    return row.get(name, default) if isinstance(row, Mapping) else getattr(row, name, default)


def layer_type_of(op: str, *, kernel: Any = None, name: str = "") -> str | None:
    """The layer type of one TFLite op (a 1×1 CONV_2D is pointwise); None for ops that compute nothing."""
    op = op.upper()
    if op == "CONV_2D":
        if kernel is not None:
            return "pointwise" if tuple(kernel)[:2] == (1, 1) else "conv"
        return "pointwise" if name.lower().endswith(_POINTWISE_NAME_SUFFIXES) else "conv"
    if op in _MAC_LAYER_TYPES:
        return _MAC_LAYER_TYPES[op]
    if op in ("RESHAPE", "QUANTIZE", "DEQUANTIZE", "PAD", "CONCATENATION", "SQUEEZE"):
        return None
    return "pool_elementwise"


def breakdown_from_layers(layers: Any) -> tuple[dict[str, float], int]:
    """Per-layer-type ops (2 × MACs for conv/depthwise/FC, element ops otherwise) and the layer count."""
    ops = canonical_layer_ops(None)
    count = 0
    for i, row in enumerate(layers):
        op = _field(row, "op")
        if not isinstance(op, str):
            raise ValueError(f"counts.layers[{i}].op: expected a TFLite op name, got {op!r}")
        kind = layer_type_of(op, kernel=_field(row, "kernel"), name=str(_field(row, "name", "") or ""))
        if kind is None:
            continue
        if kind == "pool_elementwise":
            value = _number(_field(row, "element_ops", 0) or 0, f"counts.layers[{i}].element_ops")
        else:
            value = 2.0 * _number(_field(row, "macs", 0) or 0, f"counts.layers[{i}].macs")
        if value > 0:
            ops[kind] += value
            count += 1
    return ops, count


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
    layers_raw = _get(source, _LAYER_KEYS)
    if layers_raw is not None and not isinstance(layers_raw, int | float | str) and hasattr(layers_raw, "__iter__"):
        derived, layers = breakdown_from_layers(layers_raw)
        breakdown = breakdown or derived
    else:
        layers = int(_number(layers_raw, "counts.layers")) if layers_raw is not None else 0
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
    space = _get(source, ("space",))
    return OpCounts(ops=ops, ops_by_layer_type=breakdown, layers=layers, space=str(space) if space else None)
