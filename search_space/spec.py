"""Architecture specs: a plain, serialisable description of one int8 CNN.

An :class:`ArchSpec` is an input shape, a sequence of layers (the stem, the blocks and any pooling
skips) and a classifier head that every spec shares: average pooling over the whole feature map,
flatten, a fully connected layer with ``num_classes`` outputs and softmax. Specs round-trip
through JSON (:meth:`ArchSpec.to_json` / :meth:`ArchSpec.from_json`) and have a content hash over
the architecture alone (:attr:`ArchSpec.content_hash`), so two specs that build the same graph
have the same hash whatever their name or the search-space choices that produced them.

Every layer is checked by :meth:`ArchSpec.validate`; a bad spec raises :class:`SpecError` whose
message starts with the offending field, e.g. ``layers[3].filters: ...``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

__all__ = [
    "SpecError",
    "CHANNEL_MULTIPLE",
    "ACTIVATIONS",
    "PADDINGS",
    "Conv2D",
    "DSBlock",
    "InvertedBottleneck",
    "AvgPool",
    "Layer",
    "ArchSpec",
    "conv_output_size",
]

CHANNEL_MULTIPLE = 4
"""Every searched channel count is a positive multiple of this (CMSIS-NN's fast path)."""

ACTIVATIONS = ("relu", "relu6", "none")
PADDINGS = ("same", "valid")


class SpecError(ValueError):
    """An invalid architecture spec; the message starts with the field that is wrong."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


def conv_output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Output length of one spatial dimension under TensorFlow's 'same'/'valid' rule."""
    if padding == "same":
        return math.ceil(size / stride)
    return (size - kernel) // stride + 1 if size >= kernel else 0


def _pair(value: Any, where: str) -> tuple[int, int]:
    if isinstance(value, bool):
        raise SpecError(where, f"expected an integer or a pair of integers, got {value!r}")
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return (int(value[0]), int(value[1]))
    raise SpecError(where, f"expected an integer or a pair of integers, got {value!r}")


def _check_channels(value: Any, where: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise SpecError(where, f"expected an integer channel count, got {value!r}")
    if value <= 0 or value % CHANNEL_MULTIPLE:
        raise SpecError(where, f"expected a positive multiple of {CHANNEL_MULTIPLE} channels, got {value}")


def _check_positive_pair(pair: tuple[int, int], where: str) -> None:
    if pair[0] < 1 or pair[1] < 1:
        raise SpecError(where, f"expected values >= 1, got {list(pair)}")


def _check_choice(value: Any, options: tuple[str, ...], where: str) -> None:
    if value not in options:
        raise SpecError(where, f"expected one of {list(options)}, got {value!r}")


class _PairNormalising:
    """Store int kernel/stride/pool values as (h, w) pairs so equal layers hash equally."""

    def __post_init__(self) -> None:
        for name in _PAIR_FIELDS:
            value = getattr(self, name, None)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, name, (value, value))
            elif isinstance(value, list):
                object.__setattr__(self, name, tuple(value))


_PAIR_FIELDS = ("kernel", "stride", "pool")


@dataclass(frozen=True)
class Conv2D(_PairNormalising):
    """A standard convolution (batch norm folded) with a fused activation."""

    kind: ClassVar[str] = "conv2d"
    filters: int
    kernel: tuple[int, int] = (3, 3)
    stride: tuple[int, int] = (1, 1)
    padding: str = "same"
    activation: str = "relu"


@dataclass(frozen=True)
class DSBlock(_PairNormalising):
    """Depthwise-separable block: depthwise k×k (stride) + ReLU, then pointwise 1×1 + ReLU."""

    kind: ClassVar[str] = "ds"
    filters: int
    stride: tuple[int, int] = (1, 1)
    kernel: tuple[int, int] = (3, 3)
    padding: str = "same"
    activation: str = "relu"


@dataclass(frozen=True)
class InvertedBottleneck(_PairNormalising):
    """MobileNetV2 block: optional 1×1 expansion + ReLU6, depthwise k×k + ReLU6, linear 1×1 projection.

    ``expansion_filters`` of 0 means no expansion conv (MobileNetV2's first block). A residual ADD is
    added when the stride is 1 and the input and output channel counts are equal.
    """

    kind: ClassVar[str] = "inverted_bottleneck"
    expansion_filters: int
    filters: int
    stride: tuple[int, int] = (1, 1)
    kernel: tuple[int, int] = (3, 3)
    padding: str = "same"
    activation: str = "relu6"


@dataclass(frozen=True)
class AvgPool(_PairNormalising):
    """Average pooling inside the body (the skip branch of a dropped down-sampling block)."""

    kind: ClassVar[str] = "avgpool"
    pool: tuple[int, int] = (2, 2)
    stride: tuple[int, int] = (2, 2)
    padding: str = "same"


Layer = Conv2D | DSBlock | InvertedBottleneck | AvgPool
_LAYER_TYPES: dict[str, type] = {cls.kind: cls for cls in (Conv2D, DSBlock, InvertedBottleneck, AvgPool)}


def _layer_to_dict(layer: Layer) -> dict[str, Any]:
    out: dict[str, Any] = {"type": layer.kind}
    for f in dataclasses.fields(layer):
        value = getattr(layer, f.name)
        name = f.name
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def _layer_from_dict(data: Any, where: str) -> Layer:
    if not isinstance(data, dict):
        raise SpecError(where, f"expected an object, got {type(data).__name__}")
    kind = data.get("type")
    if kind not in _LAYER_TYPES:
        raise SpecError(f"{where}.type", f"unknown layer type {kind!r}; expected one of {sorted(_LAYER_TYPES)}")
    cls = _LAYER_TYPES[kind]
    known = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "type":
            continue
        if key not in known:
            raise SpecError(f"{where}.{key}", f"unknown field for layer type {kind!r}; expected {sorted(known)}")
        kwargs[key] = _pair(value, f"{where}.{key}") if key in _PAIR_FIELDS else value
    try:
        return cls(**kwargs)
    except TypeError:
        missing = sorted(
            f.name for f in dataclasses.fields(cls) if f.name not in kwargs and f.default is dataclasses.MISSING
        )
        raise SpecError(where, f"layer type {kind!r} is missing fields {missing}") from None


@dataclass(frozen=True)
class ArchSpec:
    """One architecture: input (H, W, C), body layers and a shared classifier head."""

    input_shape: tuple[int, int, int]
    layers: tuple[Layer, ...]
    num_classes: int
    name: str = ""
    space: str = ""
    choices: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    # ----------------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "space": self.space,
            "input_shape": list(self.input_shape),
            "num_classes": self.num_classes,
            "layers": [_layer_to_dict(layer) for layer in self.layers],
            "choices": dict(self.choices),
            "hash": self.content_hash,
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, data: Any, *, validate: bool = True) -> ArchSpec:
        if not isinstance(data, dict):
            raise SpecError("spec", f"expected a JSON object, got {type(data).__name__}")
        allowed = {"name", "space", "input_shape", "num_classes", "layers", "choices", "hash"}
        for key in data:
            if key not in allowed:
                raise SpecError(key, f"unknown spec field; expected {sorted(allowed)}")
        for key in ("input_shape", "layers", "num_classes"):
            if key not in data:
                raise SpecError(key, "missing required field")
        shape = data["input_shape"]
        if not (isinstance(shape, (list, tuple)) and len(shape) == 3 and all(isinstance(v, int) for v in shape)):
            raise SpecError("input_shape", f"expected [height, width, channels], got {shape!r}")
        layers_raw = data["layers"]
        if not isinstance(layers_raw, list):
            raise SpecError("layers", f"expected a list of layers, got {type(layers_raw).__name__}")
        layers = tuple(_layer_from_dict(item, f"layers[{i}]") for i, item in enumerate(layers_raw))
        choices = data.get("choices") or {}
        if not isinstance(choices, dict):
            raise SpecError("choices", f"expected an object mapping decision to option, got {type(choices).__name__}")
        spec = cls(
            input_shape=(int(shape[0]), int(shape[1]), int(shape[2])),
            layers=layers,
            num_classes=data["num_classes"],
            name=str(data.get("name", "")),
            space=str(data.get("space", "")),
            choices=dict(choices),
        )
        if validate:
            spec.validate()
            stated = data.get("hash")
            if stated and stated != spec.content_hash:
                raise SpecError("hash", f"stated hash {stated} does not match the architecture ({spec.content_hash})")
        return spec

    @classmethod
    def from_json(cls, text: str, *, validate: bool = True) -> ArchSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError("spec", f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
        return cls.from_dict(data, validate=validate)

    @classmethod
    def load(cls, path: str | Path) -> ArchSpec:
        p = Path(path)
        try:
            text = p.read_text()
        except FileNotFoundError:
            raise FileNotFoundError(f"{p}: spec file not found") from None
        try:
            return cls.from_json(text)
        except SpecError as exc:
            raise SpecError(f"{p}: {exc.field}", str(exc).split(": ", 1)[1]) from None

    # ----------------------------------------------------------------- identity
    def architecture_dict(self) -> dict[str, Any]:
        """The fields that define the graph (no name, space or choices)."""
        return {
            "input_shape": list(self.input_shape),
            "num_classes": self.num_classes,
            "layers": [_layer_to_dict(layer) for layer in self.layers],
        }

    @property
    def content_hash(self) -> str:
        """sha256 (first 16 hex digits) of the canonical JSON of :meth:`architecture_dict`."""
        canonical = json.dumps(self.architecture_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    # ----------------------------------------------------------------- checks
    def validate(self) -> list[tuple[int, int, int]]:
        """Check every field; return the (H, W, C) after each layer. Raises :class:`SpecError`."""
        h, w, c = self.input_shape
        if h < 1 or w < 1 or c < 1:
            raise SpecError("input_shape", f"expected positive dimensions, got {list(self.input_shape)}")
        if not isinstance(self.num_classes, int) or isinstance(self.num_classes, bool) or self.num_classes < 1:
            raise SpecError("num_classes", f"expected a positive integer, got {self.num_classes!r}")
        if not self.layers:
            raise SpecError("layers", "expected at least one layer")
        shapes: list[tuple[int, int, int]] = []
        for i, layer in enumerate(self.layers):
            where = f"layers[{i}]"
            if not isinstance(layer, tuple(_LAYER_TYPES.values())):
                raise SpecError(where, f"unknown layer {type(layer).__name__}; expected one of {sorted(_LAYER_TYPES)}")
            h, w, c = _layer_output(layer, (h, w, c), where)
            shapes.append((h, w, c))
        return shapes

    def shapes(self) -> list[tuple[int, int, int]]:
        return self.validate()


def _layer_output(layer: Layer, shape: tuple[int, int, int], where: str) -> tuple[int, int, int]:
    h, w, c = shape
    stride = _pair(layer.stride, f"{where}.stride")
    _check_positive_pair(stride, f"{where}.stride")
    _check_choice(layer.padding, PADDINGS, f"{where}.padding")
    if isinstance(layer, AvgPool):
        window = _pair(layer.pool, f"{where}.pool")
        _check_positive_pair(window, f"{where}.pool")
        out_c = c
    else:
        window = _pair(layer.kernel, f"{where}.kernel")
        _check_positive_pair(window, f"{where}.kernel")
        _check_choice(layer.activation, ACTIVATIONS, f"{where}.activation")
        _check_channels(layer.filters, f"{where}.filters")
        out_c = layer.filters
        if isinstance(layer, InvertedBottleneck) and layer.expansion_filters != 0:
            _check_channels(layer.expansion_filters, f"{where}.expansion_filters")
    if stride[0] > h or stride[1] > w:
        raise SpecError(
            f"{where}.stride",
            f"stride {list(stride)} is larger than the {h}x{w} input it gets (earlier strides shrank it); "
            f"the output would sample a single position or nothing",
        )
    oh = conv_output_size(h, window[0], stride[0], layer.padding)
    ow = conv_output_size(w, window[1], stride[1], layer.padding)
    if oh < 1 or ow < 1:
        window_field = "pool" if isinstance(layer, AvgPool) else "kernel"
        raise SpecError(
            f"{where}.{window_field}",
            f"{layer.kind} with window {list(window)}, stride {list(stride)} and {layer.padding!r} padding "
            f"turns a {h}x{w} input into an empty {oh}x{ow} output",
        )
    return oh, ow, out_c
