"""Write an int8 .tflite straight from a spec, without TensorFlow.

The file has the graph TensorFlow's converter would produce from the spec's Keras model
(:func:`search_space.graph.lower_spec`): the same op sequence and shapes, int8 activations with
int8 model input and output, per-channel symmetric int8 weights for CONV_2D (axis 0) and
DEPTHWISE_CONV_2D (axis 3) with int32 biases at scale ``input_scale × weight_scale``, per-tensor
FULLY_CONNECTED weights, ReLU/ReLU6 fused into the conv ops, AVERAGE_POOL_2D keeping its input's
quantisation and SOFTMAX output at scale 1/256, zero point -128.

Weights are given (float, TFLite layout, keyed by graph op name such as ``layers[2].pw``) or drawn
from a seeded generator (He-scaled normals quantised per channel). Activation scales are estimated
by propagating a typical value range through the graph, so outputs neither saturate nor vanish;
they are plausible, not calibrated. Built with the flatbuffers schema module in the tflite-micro
wheel; buffers are 16-byte aligned like the converter's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S

from harness.atomic_io import write_bytes_atomic
from search_space.graph import Graph, GraphOp, lower_spec
from search_space.spec import ArchSpec

__all__ = ["LayerWeights", "spec_to_tflite", "graph_to_tflite", "write_tflite"]

_OP_CODES = {
    "CONV_2D": (S.BuiltinOperator.CONV_2D, 3),
    "DEPTHWISE_CONV_2D": (S.BuiltinOperator.DEPTHWISE_CONV_2D, 3),
    "AVERAGE_POOL_2D": (S.BuiltinOperator.AVERAGE_POOL_2D, 2),
    "FULLY_CONNECTED": (S.BuiltinOperator.FULLY_CONNECTED, 4),
    "SOFTMAX": (S.BuiltinOperator.SOFTMAX, 2),
    "ADD": (S.BuiltinOperator.ADD, 2),
    "RESHAPE": (S.BuiltinOperator.RESHAPE, 1),
}
_FUSED = {
    "none": S.ActivationFunctionType.NONE,
    "relu": S.ActivationFunctionType.RELU,
    "relu6": S.ActivationFunctionType.RELU6,
}
_PADDING = {"same": S.Padding.SAME, "valid": S.Padding.VALID}
_ALIGN = 16


@dataclass
class LayerWeights:
    """Float weights of one conv/depthwise/FC op in TFLite layout (OHWI, 1HWC, (out, in)) and bias."""

    filter: np.ndarray
    bias: np.ndarray


class _AlignedBuffer(S.BufferT):
    """A buffer whose data vector starts on a 16-byte boundary."""

    def __init__(self, payload: bytes | None = None):
        super().__init__()
        self.payload = payload

    def Pack(self, builder: flatbuffers.Builder) -> int:  # noqa: N802 - flatbuffers' naming
        vec = None
        if self.payload:
            n = len(self.payload)
            builder.StartVector(1, n, _ALIGN)
            builder.head -= n
            builder.Bytes[builder.head : builder.head + n] = self.payload
            vec = builder.EndVector(n)
        S.BufferStart(builder)
        if vec is not None:
            S.BufferAddData(builder, vec)
        return S.BufferEnd(builder)


def _quant(scales: np.ndarray | float, zero_points: np.ndarray | int, axis: int = 0) -> S.QuantizationParametersT:
    q = S.QuantizationParametersT()
    q.scale = np.atleast_1d(np.asarray(scales, dtype=np.float32))
    q.zeroPoint = np.atleast_1d(np.asarray(zero_points, dtype=np.int64))
    q.quantizedDimension = axis
    return q


class _Writer:
    def __init__(self, graph: Graph, rng: np.random.Generator, weights: Mapping[str, LayerWeights] | None):
        self.graph = graph
        self.rng = rng
        self.weights = weights or {}
        self.tensors: list[S.TensorT] = []
        self.buffers: list[S.BufferT] = [_AlignedBuffer()]  # buffer 0: the empty sentinel
        self.act_tensor: dict[int, int] = {}
        self.act_rms: dict[int, float] = {}  # estimated root-mean-square real value per activation tensor
        self.act_quant: dict[int, tuple[float, int]] = {}
        self.opcodes: dict[str, int] = {}
        self.operators: list[S.OperatorT] = []

    # -------------------------------------------------------------- tensors
    def _tensor(self, name: str, shape: tuple[int, ...], ttype: int, quant: S.QuantizationParametersT | None, data: bytes | None) -> int:
        t = S.TensorT()
        t.name = name
        t.shape = np.asarray(shape, dtype=np.int32)
        t.type = ttype
        t.quantization = quant
        if data is not None:
            self.buffers.append(_AlignedBuffer(data))
            t.buffer = len(self.buffers) - 1
        else:
            self.buffers.append(_AlignedBuffer())
            t.buffer = len(self.buffers) - 1
        self.tensors.append(t)
        return len(self.tensors) - 1

    def _activation(self, act_id: int, name: str, scale: float, zero_point: int) -> int:
        idx = self._tensor(name, self.graph.tensors[act_id], S.TensorType.INT8, _quant(scale, zero_point), None)
        self.act_tensor[act_id] = idx
        self.act_quant[act_id] = (scale, zero_point)
        return idx

    @staticmethod
    def _out_quant(pre_rms: float, activation: str) -> tuple[float, int, float]:
        """(scale, zero point, rms after the activation) for a zero-mean pre-activation of rms ``pre_rms``.

        The quantised range covers three standard deviations, as calibration on real data roughly does.
        """
        r = max(3.0 * pre_rms, 1e-3)
        if activation == "relu6":
            r = min(r, 6.0)
        if activation in ("relu", "relu6"):
            return r / 255.0, -128, pre_rms / math.sqrt(2.0)
        return 2.0 * r / 255.0, 0, pre_rms

    # -------------------------------------------------------------- ops
    def _opcode(self, op: str) -> int:
        if op not in self.opcodes:
            self.opcodes[op] = len(self.opcodes)
        return self.opcodes[op]

    def _filter(self, op: GraphOp, in_rms: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """(int8 filter, float bias, weight scales, estimated pre-activation rms)."""
        shape = op.filter_shape
        axis = 3 if op.op == "DEPTHWISE_CONV_2D" else 0
        channels = shape[axis]
        fan_in = math.prod(shape) // channels
        given = self.weights.get(op.name)
        if given is not None:
            w = np.asarray(given.filter, dtype=np.float32)
            if w.shape != tuple(shape):
                raise ValueError(f"weights[{op.name!r}].filter: expected shape {list(shape)}, got {list(w.shape)}")
            b_real = np.asarray(given.bias, dtype=np.float32)
            if b_real.shape != (channels,):
                raise ValueError(f"weights[{op.name!r}].bias: expected shape [{channels}], got {list(b_real.shape)}")
        else:
            std = math.sqrt(2.0 / fan_in)
            if op.op == "FULLY_CONNECTED":  # logits of a few units, so softmax is not saturated
                std = 1.5 / (math.sqrt(fan_in) * max(in_rms, 1e-6))
            w = (self.rng.standard_normal(shape, dtype=np.float32) * std).astype(np.float32)
            b_real = (self.rng.standard_normal(channels) * 0.1 * std * math.sqrt(fan_in) * in_rms).astype(np.float32)
        per_channel = op.op != "FULLY_CONNECTED"
        moved = np.moveaxis(w, axis, 0).reshape(channels, -1)
        if per_channel:
            max_abs = np.maximum(np.abs(moved).max(axis=1), 1e-8)
        else:
            max_abs = np.full(channels, max(float(np.abs(moved).max()), 1e-8))
        w_scale = (max_abs / 127.0).astype(np.float32)
        q = np.clip(np.rint(moved / w_scale[:, None]), -127, 127).astype(np.int8)
        q = np.moveaxis(q.reshape((channels,) + tuple(np.delete(np.asarray(shape), axis))), 0, axis)
        w_real_std = float(np.sqrt(np.mean(np.square(moved.astype(np.float64)))))
        pre_rms = math.sqrt(fan_in * w_real_std**2 * in_rms**2 + float(np.mean(np.square(b_real))))
        return np.ascontiguousarray(q), b_real, w_scale, pre_rms

    def _weighted(self, op: GraphOp) -> None:
        src = op.inputs[0]
        in_scale, _ = self.act_quant[src]
        q, b_real, w_scale, pre_rms = self._filter(op, self.act_rms[src])
        per_channel = op.op != "FULLY_CONNECTED"
        axis = 3 if op.op == "DEPTHWISE_CONV_2D" else 0
        wq = _quant(w_scale if per_channel else w_scale[:1], np.zeros(len(w_scale) if per_channel else 1, np.int64), axis)
        w_idx = self._tensor(f"{op.name}/weights", op.filter_shape, S.TensorType.INT8, wq, q.tobytes())
        bias_scale = (in_scale * w_scale).astype(np.float64)
        bq = np.clip(np.rint(b_real / bias_scale), -(2**31), 2**31 - 1).astype("<i4")
        bias_q = _quant((in_scale * w_scale if per_channel else in_scale * w_scale[:1]), np.zeros(len(w_scale) if per_channel else 1, np.int64))
        b_idx = self._tensor(f"{op.name}/bias", (len(bq),), S.TensorType.INT32, bias_q, bq.tobytes())
        scale, zp, rms = self._out_quant(pre_rms, op.activation)
        out_idx = self._activation(op.output, op.name, scale, zp)
        self.act_rms[op.output] = rms
        opt: object
        if op.op == "CONV_2D":
            opt = S.Conv2DOptionsT()
            opt_type = S.BuiltinOptions.Conv2DOptions
        elif op.op == "DEPTHWISE_CONV_2D":
            opt = S.DepthwiseConv2DOptionsT()
            opt.depthMultiplier = 1
            opt_type = S.BuiltinOptions.DepthwiseConv2DOptions
        else:
            opt = S.FullyConnectedOptionsT()
            opt_type = S.BuiltinOptions.FullyConnectedOptions
        if op.op != "FULLY_CONNECTED":
            opt.padding = _PADDING[op.padding]
            opt.strideH, opt.strideW = op.stride
            opt.dilationHFactor = opt.dilationWFactor = 1
        opt.fusedActivationFunction = _FUSED[op.activation]
        self._emit(op.op, [self.act_tensor[src], w_idx, b_idx], [out_idx], opt_type, opt)

    def _emit(self, op: str, inputs: list[int], outputs: list[int], opt_type: int, opt: object) -> None:
        o = S.OperatorT()
        o.opcodeIndex = self._opcode(op)
        o.inputs = np.asarray(inputs, dtype=np.int32)
        o.outputs = np.asarray(outputs, dtype=np.int32)
        o.builtinOptionsType = opt_type
        o.builtinOptions = opt
        self.operators.append(o)

    def build(self, input_scale: float, input_zero_point: int) -> bytes:
        g = self.graph
        self._activation(g.input, "input", input_scale, input_zero_point)
        self.act_rms[g.input] = 64.0 * input_scale  # a typical spread of a quarter of the int8 range
        for op in g.ops:
            if op.op in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
                self._weighted(op)
            elif op.op == "AVERAGE_POOL_2D":
                scale, zp = self.act_quant[op.inputs[0]]
                out = self._activation(op.output, op.name, scale, zp)
                self.act_rms[op.output] = self.act_rms[op.inputs[0]]
                opt = S.Pool2DOptionsT()
                opt.padding = _PADDING[op.padding]
                opt.strideH, opt.strideW = op.stride
                opt.filterHeight, opt.filterWidth = op.window
                self._emit(op.op, [self.act_tensor[op.inputs[0]]], [out], S.BuiltinOptions.Pool2DOptions, opt)
            elif op.op == "ADD":
                rms = math.sqrt(sum(self.act_rms[i] ** 2 for i in op.inputs))
                scale, zp, rms = self._out_quant(rms, "none")
                out = self._activation(op.output, op.name, scale, zp)
                self.act_rms[op.output] = rms
                opt = S.AddOptionsT()
                self._emit(op.op, [self.act_tensor[i] for i in op.inputs], [out], S.BuiltinOptions.AddOptions, opt)
            elif op.op == "SOFTMAX":
                out = self._activation(op.output, op.name, 1.0 / 256.0, -128)
                self.act_rms[op.output] = 0.5
                opt = S.SoftmaxOptionsT()
                opt.beta = 1.0
                self._emit(op.op, [self.act_tensor[op.inputs[0]]], [out], S.BuiltinOptions.SoftmaxOptions, opt)
            else:
                raise ValueError(f"{op.name}: the fast path cannot write {op.op}")
        return self._finish()

    def _finish(self) -> bytes:
        model = S.ModelT()
        model.version = 3
        model.description = "tinyhil fast path"
        codes = []
        for op in self.opcodes:
            code, version = _OP_CODES[op]
            oc = S.OperatorCodeT()
            oc.builtinCode = code
            oc.deprecatedBuiltinCode = min(code, 127)
            oc.version = version
            codes.append(oc)
        model.operatorCodes = codes
        sg = S.SubGraphT()
        sg.tensors = self.tensors
        sg.operators = self.operators
        sg.inputs = np.asarray([self.act_tensor[self.graph.input]], dtype=np.int32)
        sg.outputs = np.asarray([self.act_tensor[self.graph.output]], dtype=np.int32)
        sg.name = "main"
        model.subgraphs = [sg]
        self.buffers.append(_AlignedBuffer(b"1.14.0".ljust(16, b"\0")))
        meta = S.MetadataT()
        meta.name = "min_runtime_version"
        meta.buffer = len(self.buffers) - 1
        model.metadata = [meta]
        model.buffers = self.buffers
        size_hint = 1024 + sum(len(b.payload or b"") + _ALIGN for b in self.buffers)
        builder = flatbuffers.Builder(size_hint)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def graph_to_tflite(
    graph: Graph,
    *,
    seed: int = 0,
    weights: Mapping[str, LayerWeights] | None = None,
    input_scale: float | None = None,
    input_zero_point: int | None = None,
) -> bytes:
    rng = np.random.default_rng(seed)
    if input_scale is None:
        input_scale = float(np.exp(rng.uniform(math.log(1 / 256), math.log(1 / 16))))
    if input_zero_point is None:
        input_zero_point = int(rng.integers(-40, 90))
    return _Writer(graph, rng, weights).build(input_scale, input_zero_point)


def spec_to_tflite(
    spec: ArchSpec,
    *,
    seed: int = 0,
    weights: Mapping[str, LayerWeights] | None = None,
    input_scale: float | None = None,
    input_zero_point: int | None = None,
) -> bytes:
    """The int8 .tflite bytes of ``spec`` with given or seeded weights (no TensorFlow)."""
    return graph_to_tflite(
        lower_spec(spec), seed=seed, weights=weights, input_scale=input_scale, input_zero_point=input_zero_point
    )


def write_tflite(data: bytes, path: str | Path) -> Path:
    """Write .tflite bytes atomically (temp file + rename)."""
    return write_bytes_atomic(path, data)
