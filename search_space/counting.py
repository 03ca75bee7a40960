"""Resource counts of an int8 model: MACs and ops, parameters, flash, peak SRAM.

The same arithmetic runs on a :class:`~search_space.graph.Graph` whether it came from a spec
(:func:`count_spec`) or from a .tflite file (:func:`count_tflite`); see docs/search-spaces.md for
the definitions. In short:

* ``macs``: multiply-accumulates of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, counting the
  full kernel at every output position ('same' padding zeros included).
* ``paper_ops`` = 2 × ``macs`` — MicroNets' "Mops" column (one MAC is a multiply and an add).
* ``element_ops``: everything else, counted separately — AVERAGE/MAX_POOL_2D one op per window
  element per output, ADD/MUL one per output element, SOFTMAX/LOGISTIC three per element, MEAN one
  per input element; RESHAPE, QUANTIZE, DEQUANTIZE, PAD, CONCATENATION none. Any other op counts
  zero ops and is listed in ``uncounted_ops`` (its tensors still count for memory and flash).
* ``params``: elements of the weight and bias tensors of conv/depthwise/FC layers.
* ``weight_bytes``: bytes of every constant tensor (int8 weights, int32 biases, RESHAPE's shape).
* ``flash_bytes`` = ``weight_bytes`` + ``metadata_bytes``, a fixed estimate of the flatbuffer/plan
  overhead (per op, per tensor, per quantisation channel); ``file_bytes`` is the real .tflite size
  when counting a file.
* ``peak_sram_bytes``: MicroNets' working-memory model — max over ops of the bytes of its activation
  inputs plus its output (int8, one byte per element).
* ``engine_arena_bytes`` / ``engine_plan_bytes``: the engine's actual memory plan and compiled plan
  size, when ``harness.engine.compile_model`` is available and ``engine=True`` is asked for.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from search_space.graph import COUNTED_OPS, Graph, GraphOp, graph_from_tflite, lower_spec
from search_space.spec import ArchSpec

__all__ = [
    "LayerCount",
    "ResourceCounts",
    "count_graph",
    "count_spec",
    "count_tflite",
    "engine_arena_bytes",
    "engine_plan_sizes",
    "METADATA_FIXED_BYTES",
]

log = logging.getLogger(__name__)

MAC_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")

# Flash overhead estimate (flatbuffer tables, quantisation arrays, a compiled plan's entries).
METADATA_FIXED_BYTES = 1024
METADATA_PER_OP_BYTES = 64
METADATA_PER_TENSOR_BYTES = 96
METADATA_PER_QUANT_CHANNEL_BYTES = 12
_BIAS_BYTES = 4  # int32


@dataclass
class LayerCount:
    index: int
    op: str
    name: str
    output_shape: tuple[int, ...]
    macs: int
    element_ops: int
    params: int
    weight_bytes: int
    working_bytes: int


@dataclass
class ResourceCounts:
    macs: int
    paper_ops: int
    element_ops: int
    total_ops: int
    params: int
    weight_bytes: int
    metadata_bytes: int
    flash_bytes: int
    peak_sram_bytes: int
    peak_sram_op: str
    op_counts: dict[str, int]
    layers: list[LayerCount] = field(default_factory=list)
    engine_arena_bytes: int | None = None
    engine_plan_bytes: int | None = None  # size of the engine's compiled plan (its flash image of the model)
    file_bytes: int | None = None
    source: str = ""
    uncounted_ops: list[str] = field(default_factory=list)  # ops whose arithmetic is not counted

    @property
    def mops(self) -> float:
        """MicroNets' Mops: 2 × MACs / 1e6."""
        return self.paper_ops / 1e6

    def summary(self) -> dict[str, Any]:
        """Totals only (no per-layer rows), JSON-ready."""
        out = {k: v for k, v in asdict(self).items() if k != "layers"}
        out["mops"] = round(self.mops, 4)
        return out

    def to_dict(self) -> dict[str, Any]:
        out = self.summary()
        out["layers"] = [asdict(layer) for layer in self.layers]
        return out


def _prod(shape: tuple[int, ...]) -> int:
    return math.prod(int(d) for d in shape)


def _op_macs(op: GraphOp, out_shape: tuple[int, ...]) -> int:
    if op.op == "CONV_2D":
        out_c, kh, kw, in_c = op.filter_shape
        return _prod(out_shape[:-1]) * out_c * kh * kw * in_c
    if op.op == "DEPTHWISE_CONV_2D":
        _, kh, kw, out_c = op.filter_shape
        return _prod(out_shape[:-1]) * out_c * kh * kw
    if op.op == "FULLY_CONNECTED":
        units, depth = op.filter_shape[0], op.filter_shape[-1]
        return (_prod(out_shape) // units) * units * depth
    return 0


def _op_element_ops(op: GraphOp, out_shape: tuple[int, ...], in_shapes: list[tuple[int, ...]]) -> int:
    n_out = _prod(out_shape)
    if op.op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return n_out * op.window[0] * op.window[1]
    if op.op in ("ADD", "MUL"):
        return n_out
    if op.op in ("SOFTMAX", "LOGISTIC"):
        return 3 * n_out
    if op.op == "MEAN":
        return _prod(in_shapes[0]) if in_shapes else 0
    return 0


def _op_params(op: GraphOp) -> tuple[int, int, int]:
    """(params, weight bytes, quantisation channels) of the op's constants."""
    if op.op not in MAC_OPS:
        return 0, op.const_bytes, 0
    w = _prod(op.filter_shape)
    out_c = op.filter_shape[0] if op.op != "DEPTHWISE_CONV_2D" else op.filter_shape[-1]
    b = out_c if op.has_bias else 0
    channels = out_c if op.op != "FULLY_CONNECTED" else 1
    return w + b, w + _BIAS_BYTES * b + op.const_bytes, channels * (2 if op.has_bias else 1)


def count_graph(graph: Graph, *, source: str = "") -> ResourceCounts:
    """Count a graph; see the module docstring for the definitions."""
    layers: list[LayerCount] = []
    op_counts: dict[str, int] = {}
    n_const_tensors = 0
    quant_channels = 0
    for i, op in enumerate(graph.ops):
        out_shape = graph.tensors[op.output]
        in_shapes = [graph.tensors[t] for t in op.inputs]
        macs = _op_macs(op, out_shape)
        params, wbytes, qch = _op_params(op)
        quant_channels += qch
        if op.op in MAC_OPS:
            n_const_tensors += 1 + int(op.has_bias)
        if op.const_bytes:
            n_const_tensors += 1
        outputs = (op.output, *op.extra_outputs)
        working = sum(_prod(graph.tensors[t]) for t in dict.fromkeys(op.inputs + outputs))
        layers.append(
            LayerCount(i, op.op, op.name, out_shape, macs, _op_element_ops(op, out_shape, in_shapes), params, wbytes, working)
        )
        op_counts[op.op] = op_counts.get(op.op, 0) + 1
    macs = sum(layer.macs for layer in layers)
    element_ops = sum(layer.element_ops for layer in layers)
    weight_bytes = sum(layer.weight_bytes for layer in layers)
    metadata = (
        METADATA_FIXED_BYTES
        + METADATA_PER_OP_BYTES * len(graph.ops)
        + METADATA_PER_TENSOR_BYTES * (len(graph.tensors) + n_const_tensors)
        + METADATA_PER_QUANT_CHANNEL_BYTES * quant_channels
    )
    peak = max(layers, key=lambda layer: layer.working_bytes) if layers else None
    return ResourceCounts(
        macs=macs,
        paper_ops=2 * macs,
        element_ops=element_ops,
        total_ops=2 * macs + element_ops,
        params=sum(layer.params for layer in layers),
        weight_bytes=weight_bytes,
        metadata_bytes=metadata,
        flash_bytes=weight_bytes + metadata,
        peak_sram_bytes=peak.working_bytes if peak else 0,
        peak_sram_op=f"{peak.op} {peak.name}" if peak else "",
        op_counts=op_counts,
        layers=layers,
        source=source,
        uncounted_ops=sorted({op.op for op in graph.ops if op.op not in COUNTED_OPS}),
    )


def engine_plan_sizes(tflite: bytes | str | Path) -> tuple[int, int] | None:
    """(arena bytes, plan bytes) of the engine's compiled plan, or None without the engine compiler."""
    try:
        from harness.engine import compile_model  # type: ignore[attr-defined]
    except ImportError:
        try:
            from harness.engine.compiler import compile_model
        except ImportError:
            log.info("harness.engine.compile_model is not available; no engine memory plan")
            return None
    data = Path(tflite).read_bytes() if isinstance(tflite, (str, Path)) else bytes(tflite)
    compiled = compile_model(data)
    return int(compiled.arena_bytes), len(compiled.blob)


def engine_arena_bytes(tflite: bytes | str | Path) -> int | None:
    """The engine's planned arena for a .tflite, or None when the engine compiler is not available."""
    sizes = engine_plan_sizes(tflite)
    return sizes[0] if sizes else None


def _add_engine(counts: ResourceCounts, tflite: bytes) -> None:
    sizes = engine_plan_sizes(tflite)
    if sizes is not None:
        counts.engine_arena_bytes, counts.engine_plan_bytes = sizes


def count_spec(spec: ArchSpec, *, engine: bool = False) -> ResourceCounts:
    """Count a spec from its lowered graph; ``engine=True`` also plans its fast-path .tflite."""
    counts = count_graph(lower_spec(spec), source=spec.name or spec.content_hash)
    if engine:
        from search_space.fastpath import spec_to_tflite

        _add_engine(counts, spec_to_tflite(spec, seed=0))
    return counts


def count_tflite(source: str | Path | bytes, *, engine: bool = False) -> ResourceCounts:
    """Count a .tflite file (path or bytes) from its own tensors and operators."""
    name = str(source) if isinstance(source, (str, Path)) else "<tflite bytes>"
    if isinstance(source, (str, Path)):
        try:
            data = Path(source).read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(f"{name}: .tflite file not found") from None
    else:
        data = bytes(source)
    from harness.engine.tflite_model import read_tflite

    graph = graph_from_tflite(read_tflite(data, source=name))
    counts = count_graph(graph, source=name)
    counts.file_bytes = len(data)
    if engine:
        _add_engine(counts, data)
    return counts
