"""The layer-type vocabulary shared by op counting, the results store and the latency model.

Op counts split by layer type are stored and fitted under five canonical keys. Counting code
elsewhere may use common aliases ("conv2d", "dw", "fc", "avgpool", ...); ``canonical_layer_ops``
folds them into the canonical keys and rejects anything it does not recognise.
"""

from __future__ import annotations

from collections.abc import Mapping

LAYER_TYPES: tuple[str, ...] = ("conv", "depthwise", "pointwise", "fully_connected", "pool_elementwise")

LAYER_TYPE_LABELS: dict[str, str] = {
    "conv": "conv",
    "depthwise": "depthwise conv",
    "pointwise": "pointwise (1×1) conv",
    "fully_connected": "fully connected",
    "pool_elementwise": "pooling / elementwise",
}

_ALIASES: dict[str, str] = {
    "conv": "conv",
    "conv2d": "conv",
    "conv_2d": "conv",
    "standard_conv": "conv",
    "depthwise": "depthwise",
    "depthwise_conv": "depthwise",
    "depthwise_conv2d": "depthwise",
    "depthwise_conv_2d": "depthwise",
    "dw": "depthwise",
    "dwconv": "depthwise",
    "pointwise": "pointwise",
    "pointwise_conv": "pointwise",
    "pw": "pointwise",
    "conv1x1": "pointwise",
    "fully_connected": "fully_connected",
    "fc": "fully_connected",
    "dense": "fully_connected",
    "linear": "fully_connected",
    "pool_elementwise": "pool_elementwise",
    "pooling": "pool_elementwise",
    "pool": "pool_elementwise",
    "avgpool": "pool_elementwise",
    "average_pool": "pool_elementwise",
    "average_pool_2d": "pool_elementwise",
    "maxpool": "pool_elementwise",
    "max_pool_2d": "pool_elementwise",
    "elementwise": "pool_elementwise",
    "add": "pool_elementwise",
    "mul": "pool_elementwise",
}


class LayerTypeError(ValueError):
    """An op breakdown with an unknown layer type or a bad count."""


def canonical_layer_ops(ops_by_type: Mapping[str, float] | None, *, where: str = "ops_by_layer_type") -> dict[str, float]:
    """Fold a per-layer-type op breakdown into the canonical keys (missing types count 0)."""
    result = dict.fromkeys(LAYER_TYPES, 0.0)
    if not ops_by_type:
        return result
    if not isinstance(ops_by_type, Mapping):
        raise LayerTypeError(f"{where}: expected a mapping of layer type to ops, got {type(ops_by_type).__name__}")
    for key, value in ops_by_type.items():
        canonical = _ALIASES.get(str(key).strip().lower().replace("-", "_").replace(" ", "_"))
        if canonical is None:
            raise LayerTypeError(f"{where}: unknown layer type {key!r}; expected one of {list(LAYER_TYPES)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise LayerTypeError(f"{where}.{key}: expected a non-negative number of ops, got {value!r}")
        result[canonical] += float(value)
    return result
