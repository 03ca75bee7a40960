"""The op-level graph of an int8 model, as TensorFlow Lite would run it.

Both a spec (:func:`lower_spec`) and a .tflite file (:func:`graph_from_tflite`) turn into the same
:class:`Graph`: a list of activation tensor shapes and a list of TFLite builtin ops in execution
order. Resource counting, the fast-path .tflite writer and the cross-checks all work on this form,
so "the spec" and "the file" are compared op by op.

Lowering follows what TensorFlow's converter produces from the Keras model of a spec
(:mod:`search_space.keras_builder`): batch norm is folded into a bias, ReLU/ReLU6 are fused into the
conv, a DS block is DEPTHWISE_CONV_2D + CONV_2D, an inverted bottleneck is [CONV_2D] +
DEPTHWISE_CONV_2D + CONV_2D [+ ADD], and the head is AVERAGE_POOL_2D (valid, whole map) +
FULLY_CONNECTED (on the 1x1xC map: TensorFlow 2.20's converter folds Keras' Flatten into the FC
op, where older converters emitted a RESHAPE) + SOFTMAX.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from search_space.spec import ArchSpec, AvgPool, Conv2D, DSBlock, InvertedBottleneck, conv_output_size

if TYPE_CHECKING:
    from harness.engine.tflite_model import TfliteModel

__all__ = ["GraphOp", "Graph", "lower_spec", "graph_from_tflite", "UnsupportedGraphError", "COUNTED_OPS"]

# Ops whose arithmetic the counter knows; any other op is kept in the graph (working memory, constant
# bytes) and reported as uncounted.
COUNTED_OPS = (
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "FULLY_CONNECTED",
    "AVERAGE_POOL_2D",
    "MAX_POOL_2D",
    "ADD",
    "RESHAPE",
    "SOFTMAX",
    "MEAN",
    "QUANTIZE",
    "DEQUANTIZE",
    "LOGISTIC",
    "MUL",
    "PAD",
    "CONCATENATION",
)
_FUSED = {0: "none", 1: "relu", 2: "relu_n1_to_1", 3: "relu6", 4: "tanh", 5: "sign_bit"}


class UnsupportedGraphError(ValueError):
    """A .tflite graph this module cannot describe (multi-subgraph, unknown op, bad shapes)."""


@dataclass(frozen=True)
class GraphOp:
    """One TFLite builtin op on activation tensors (constants are described by shapes only)."""

    op: str
    inputs: tuple[int, ...]  # activation tensor ids
    output: int
    name: str = ""
    filter_shape: tuple[int, ...] = ()  # TFLite layout: CONV OHWI, DEPTHWISE 1HWC, FC (out, in)
    has_bias: bool = False
    stride: tuple[int, int] = (1, 1)
    window: tuple[int, int] = (1, 1)  # kernel or pool size
    padding: str = "same"
    activation: str = "none"
    const_bytes: int = 0  # bytes of constant inputs other than filter/bias (e.g. RESHAPE's shape)
    extra_outputs: tuple[int, ...] = ()  # further activation outputs (multi-output ops such as SPLIT)


@dataclass
class Graph:
    tensors: list[tuple[int, ...]] = field(default_factory=list)  # activation shapes, batch first
    ops: list[GraphOp] = field(default_factory=list)
    input: int = 0
    output: int = 0

    def add_tensor(self, shape: tuple[int, ...]) -> int:
        self.tensors.append(tuple(int(d) for d in shape))
        return len(self.tensors) - 1

    @property
    def op_names(self) -> list[str]:
        return [op.op for op in self.ops]


def lower_spec(spec: ArchSpec) -> Graph:
    """The TFLite op graph of a spec (validates the spec first)."""
    spec.validate()
    g = Graph()
    h, w, c = spec.input_shape
    cur = g.add_tensor((1, h, w, c))
    g.input = cur

    def conv(name: str, src: int, filters: int, kernel: tuple[int, int], stride: tuple[int, int], padding: str, act: str) -> int:
        _, ih, iw, ic = g.tensors[src]
        oh = conv_output_size(ih, kernel[0], stride[0], padding)
        ow = conv_output_size(iw, kernel[1], stride[1], padding)
        out = g.add_tensor((1, oh, ow, filters))
        g.ops.append(GraphOp("CONV_2D", (src,), out, name, (filters, kernel[0], kernel[1], ic), True, stride, kernel, padding, act))
        return out

    def depthwise(name: str, src: int, kernel: tuple[int, int], stride: tuple[int, int], padding: str, act: str) -> int:
        _, ih, iw, ic = g.tensors[src]
        oh = conv_output_size(ih, kernel[0], stride[0], padding)
        ow = conv_output_size(iw, kernel[1], stride[1], padding)
        out = g.add_tensor((1, oh, ow, ic))
        g.ops.append(GraphOp("DEPTHWISE_CONV_2D", (src,), out, name, (1, kernel[0], kernel[1], ic), True, stride, kernel, padding, act))
        return out

    def avgpool(name: str, src: int, pool: tuple[int, int], stride: tuple[int, int], padding: str) -> int:
        _, ih, iw, ic = g.tensors[src]
        oh = conv_output_size(ih, pool[0], stride[0], padding)
        ow = conv_output_size(iw, pool[1], stride[1], padding)
        out = g.add_tensor((1, oh, ow, ic))
        g.ops.append(GraphOp("AVERAGE_POOL_2D", (src,), out, name, (), False, stride, pool, padding, "none"))
        return out

    for i, layer in enumerate(spec.layers):
        where = f"layers[{i}]"
        if isinstance(layer, Conv2D):
            cur = conv(where, cur, layer.filters, layer.kernel, layer.stride, layer.padding, layer.activation)
        elif isinstance(layer, DSBlock):
            cur = depthwise(f"{where}.dw", cur, layer.kernel, layer.stride, layer.padding, layer.activation)
            cur = conv(f"{where}.pw", cur, layer.filters, (1, 1), (1, 1), "same", layer.activation)
        elif isinstance(layer, InvertedBottleneck):
            block_in = cur
            if layer.expansion_filters:
                cur = conv(f"{where}.expand", cur, layer.expansion_filters, (1, 1), (1, 1), "same", layer.activation)
            cur = depthwise(f"{where}.dw", cur, layer.kernel, layer.stride, layer.padding, layer.activation)
            cur = conv(f"{where}.project", cur, layer.filters, (1, 1), (1, 1), "same", "none")
            if g.tensors[block_in] == g.tensors[cur]:
                out = g.add_tensor(g.tensors[cur])
                g.ops.append(GraphOp("ADD", (block_in, cur), out, f"{where}.add"))
                cur = out
        elif isinstance(layer, AvgPool):
            cur = avgpool(where, cur, layer.pool, layer.stride, layer.padding)
    _, fh, fw, fc = g.tensors[cur]
    cur = avgpool("head.pool", cur, (fh, fw), (fh, fw), "valid")
    logits = g.add_tensor((1, spec.num_classes))
    g.ops.append(GraphOp("FULLY_CONNECTED", (cur,), logits, "head.fc", (spec.num_classes, fc), True))
    probs = g.add_tensor((1, spec.num_classes))
    g.ops.append(GraphOp("SOFTMAX", (logits,), probs, "head.softmax"))
    g.output = probs
    return g


def _padding_name(code: object) -> str:
    return {0: "same", 1: "valid"}.get(code, "same")  # type: ignore[arg-type]


def graph_from_tflite(source: str | Path | bytes | TfliteModel) -> Graph:
    """Describe a .tflite model (path, bytes, or the engine reader's result) as a :class:`Graph`."""
    from harness.engine.tflite_model import TfliteModel, read_tflite

    model = source if isinstance(source, TfliteModel) else read_tflite(source)
    if model.num_subgraphs != 1:
        raise UnsupportedGraphError(f"{model.source}: {model.num_subgraphs} subgraphs; only single-subgraph models are counted")
    g = Graph()
    act_id: dict[int, int] = {}

    def act(tensor_index: int) -> int:
        if tensor_index not in act_id:
            act_id[tensor_index] = g.add_tensor(model.tensors[tensor_index].shape)
        return act_id[tensor_index]

    for idx in model.inputs:
        act(idx)
    g.input = act(model.inputs[0])
    for op in model.operators:
        name = op.op_name
        ins = [i for i in op.inputs if i >= 0]
        act_ins = tuple(act(i) for i in ins if not model.tensors[i].is_constant)
        consts = [model.tensors[i] for i in ins if model.tensors[i].is_constant]
        if not op.outputs:
            raise UnsupportedGraphError(f"{model.source}: operator {op.index} ({name}) has no outputs")
        out = act(op.outputs[0])
        extra = tuple(act(i) for i in op.outputs[1:] if i >= 0)
        o = op.options
        filter_shape: tuple[int, ...] = ()
        has_bias = False
        const_bytes = 0
        stride = (int(o.get("stride_h", 1) or 1), int(o.get("stride_w", 1) or 1))
        window = (1, 1)
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            if len(ins) < 2 or not model.tensors[ins[1]].is_constant:
                raise UnsupportedGraphError(f"{model.source}: operator {op.index} ({name}) has no constant weights")
            filt = model.tensors[ins[1]]
            filter_shape = filt.shape
            has_bias = len(ins) > 2 and model.tensors[ins[2]].is_constant
            if name != "FULLY_CONNECTED":
                window = (filt.shape[1], filt.shape[2])
            act_ins = tuple(act(i) for i in ins[:1])
            const_bytes = sum(t.nbytes for t in consts) - filt.nbytes - (model.tensors[ins[2]].nbytes if has_bias else 0)
        else:
            const_bytes = sum(t.nbytes for t in consts)
        if name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            window = (int(o.get("filter_height", 1)), int(o.get("filter_width", 1)))
        g.ops.append(
            GraphOp(
                op=name,
                inputs=act_ins,
                output=out,
                name=f"op{op.index}",
                filter_shape=tuple(int(d) for d in filter_shape),
                has_bias=has_bias,
                stride=stride,
                window=window,
                padding=_padding_name(o.get("padding", 0)),
                activation=_FUSED.get(int(o.get("fused_activation_function", 0) or 0), "none"),
                const_bytes=const_bytes,
                extra_outputs=extra,
            )
        )
    g.output = act(model.outputs[0])
    return g
