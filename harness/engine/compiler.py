"""Compile a .tflite int8 model into a tinyhil plan (the binary the C engine runs).

``compile_model`` validates the graph (refusing anything the kernels do not implement, naming the
operator index, op and parameter), computes every requantisation constant on the host, folds fused
activations into clamps, plans the activation arena statically (lifetime-aware reuse, RESHAPE as
free aliasing, in-place element-wise ops where the input dies at that op, per-op scratch) and
serialises the result with a CRC32.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.engine import plan_format as pf
from harness.engine.memory_plan import ArenaBuffer, plan_arena
from harness.engine.quant_math import (
    FUSED_ACTIVATION_NAMES,
    INT8_MAX,
    INT8_MIN,
    activation_range,
    float_to_quantized_int8,
    logistic_params,
    mean_multiplier,
    quantize_multiplier,
    softmax_params,
)
from harness.engine.tflite_model import OperatorInfo, TensorInfo, TfliteModel, read_tflite

log = logging.getLogger(__name__)

SUPPORTED_OPS = tuple(pf.OPCODES)
# Bytes of engine state (struct th_engine) on a 32-bit MCU: 6 pointers in the plan view, the arena
# pointer, arena size, op counter and ready flag.
RUNTIME_STATE_BYTES_32BIT = 6 * 4 + 4 + 4 + 4 + 4


def _align4(n: int) -> int:
    return (n + 3) & ~3


class CompileError(ValueError):
    """A model the engine cannot run; names the operator index, op and parameter when relevant."""

    def __init__(self, source: str, message: str, op_index: int | None = None, op_name: str | None = None,
                 parameter: str | None = None):
        self.source = source
        self.op_index = op_index
        self.op_name = op_name
        self.parameter = parameter
        where = ""
        if op_index is not None:
            where = f"operator {op_index} ({op_name})"
            if parameter:
                where += f", {parameter}"
            where += ": "
        super().__init__(f"{source}: {where}{message}")


@dataclass(frozen=True)
class TensorSpec:
    """An input or output of the compiled model."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: float
    zero_point: int

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize


@dataclass(frozen=True)
class OpReport:
    index: int
    op_name: str
    output_shape: tuple[int, ...]
    macs: int
    scratch_bytes: int
    detail: str


@dataclass
class CompiledPlan:
    blob: bytes
    plan_hash: str
    arena_bytes: int
    weights_bytes: int
    input: TensorSpec
    output: TensorSpec
    ops: list[OpReport]
    source: str
    n_tensors: int
    tensor_names: list[str] = field(default_factory=list)
    op_outputs: list[tuple[int, ...]] = field(default_factory=list)
    runtime_state_bytes: int = RUNTIME_STATE_BYTES_32BIT

    @property
    def macs(self) -> int:
        return sum(op.macs for op in self.ops)

    @property
    def plan_bytes(self) -> int:
        return len(self.blob)

    @property
    def peak_ram_bytes(self) -> int:
        return self.arena_bytes + self.runtime_state_bytes

    # kept for readers that expect the TFLite naming
    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.input.shape

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.output.shape

    def to_c_array(self, name: str = "th_model_plan") -> str:
        """The plan as a C source file (4-byte aligned const array) for a standalone firmware."""
        if not name.isidentifier():
            raise ValueError(f"C array name {name!r} is not an identifier")
        lines = [
            f"/* tinyhil plan compiled from {Path(self.source).name}: {len(self.blob)} bytes, "
            f"crc32 {self.plan_hash}, arena {self.arena_bytes} bytes. Generated; do not edit. */",
            "#include <stdint.h>",
            "",
            f"const uint32_t {name}_len = {len(self.blob)}u;",
            f"const uint32_t {name}_arena_bytes = {self.arena_bytes}u;",
            f"__attribute__((aligned(16))) const uint8_t {name}[{len(self.blob)}] = {{",
        ]
        for i in range(0, len(self.blob), 16):
            chunk = self.blob[i : i + 16]
            lines.append("    " + ", ".join(f"0x{b:02x}" for b in chunk) + ",")
        lines.append("};")
        return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------


@dataclass
class _OpBuild:
    opcode: int
    params: dict[str, int] | list[int]
    data_inputs: list[int]  # tensors the kernel reads (activations or constants)
    outputs: list[int]
    scratch_bytes: int = 0
    alias: str = ""  # "reshape" (output is the input) or "inplace" (output may reuse input 0)
    macs: int = 0
    detail: str = ""


class _Compiler:
    def __init__(self, model: TfliteModel, dsp_params: bool = True):
        self.m = model
        self.src = model.source
        self.dsp_params = dsp_params
        self.extra: list[tuple[np.ndarray, str]] = []  # extra constant tensors (data, name)
        self.n_base = len(model.tensors)

    # -- helpers ------------------------------------------------------------------------------
    def err(self, op: OperatorInfo, param: str | None, msg: str) -> CompileError:
        return CompileError(self.src, msg, op.index, op.op_name, param)

    def t(self, idx: int) -> TensorInfo:
        return self.m.tensors[idx]

    def add_const(self, data: np.ndarray, name: str) -> int:
        self.extra.append((np.ascontiguousarray(data), name))
        return self.n_base + len(self.extra) - 1

    def input(self, op: OperatorInfo, k: int, what: str, *, required: bool = True) -> int:
        if k >= len(op.inputs) or op.inputs[k] < 0:
            if required:
                raise self.err(op, what, "missing input tensor")
            return -1
        return op.inputs[k]

    def expect_type(self, op: OperatorInfo, idx: int, what: str, dtypes: tuple[str, ...]) -> TensorInfo:
        t = self.t(idx)
        if t.dtype not in dtypes:
            raise self.err(op, what, f"tensor {idx} ({t.name!r}) is {t.dtype}, expected {' or '.join(dtypes)}")
        return t

    def qparams(self, op: OperatorInfo, t: TensorInfo, what: str) -> tuple[float, int]:
        if t.quant is None or not t.quant.scales:
            raise self.err(op, what, f"tensor {t.index} ({t.name!r}) has no quantisation parameters")
        if len(t.quant.scales) != 1:
            raise self.err(op, what, f"tensor {t.index} ({t.name!r}) must be per-tensor quantised")
        return float(t.quant.scales[0]), int(t.quant.zero_points[0])

    def act(self, op: OperatorInfo, out: TensorInfo) -> tuple[int, int]:
        a = int(op.options.get("fused_activation_function", 0))
        s, zp = self.qparams(op, out, "output")
        try:
            return activation_range(a, s, zp)
        except ValueError:
            raise self.err(
                op, "fused_activation_function", f"{FUSED_ACTIVATION_NAMES.get(a, a)} is not supported"
            ) from None

    def activation_in(self, op: OperatorInfo, k: int, what: str = "input") -> TensorInfo:
        idx = self.input(op, k, what)
        return self.expect_type(op, idx, what, ("int8",))

    def single_output(self, op: OperatorInfo, dtypes: tuple[str, ...] = ("int8",)) -> TensorInfo:
        if len(op.outputs) != 1:
            raise self.err(op, "outputs", f"expected 1 output, got {len(op.outputs)}")
        t = self.expect_type(op, op.outputs[0], "output", dtypes)
        if t.is_constant:
            raise self.err(op, "output", "output tensor is a constant")
        return t

    @staticmethod
    def nd4(shape: tuple[int, ...]) -> list[int]:
        return [1] * (4 - len(shape)) + list(shape)

    def padding(self, op: OperatorInfo, in_size: int, k: int, stride: int, dil: int, out_size: int, axis: str) -> int:
        pad_mode = int(op.options.get("padding", 0))
        eff = (k - 1) * dil + 1
        if pad_mode == 0:  # SAME
            expect = (in_size + stride - 1) // stride
        elif pad_mode == 1:  # VALID
            expect = (in_size - eff + stride) // stride
        else:
            raise self.err(op, "padding", f"padding mode {pad_mode} not supported")
        if expect != out_size:
            raise self.err(op, f"output {axis}", f"output size {out_size} does not match the computed {expect}")
        return max(((out_size - 1) * stride + eff - in_size) // 2, 0)

    def per_channel_requant(self, op: OperatorInfo, in_s: float, w: TensorInfo, out_s: float, n_ch: int,
                            qdim: int) -> tuple[int, int]:
        assert w.quant is not None
        scales = w.quant.scales
        if len(scales) not in (1, n_ch):
            raise self.err(op, "filter", f"{len(scales)} filter scales for {n_ch} output channels")
        if len(scales) > 1 and w.quant.quantized_dimension != qdim:
            raise self.err(op, "filter", f"per-channel quantised along axis {w.quant.quantized_dimension}, expected {qdim}")
        if any(z != 0 for z in w.quant.zero_points):
            raise self.err(op, "filter", "int8 filter zero points must be 0")
        mults = np.zeros(n_ch, np.int32)
        shifts = np.zeros(n_ch, np.int32)
        for c in range(n_ch):
            fs = scales[c if len(scales) > 1 else 0]
            real = float(in_s) * float(fs) / float(out_s)
            mults[c], shifts[c] = quantize_multiplier(real)
        return self.add_const(mults, f"op{op.index}_multipliers"), self.add_const(shifts, f"op{op.index}_shifts")

    def bias_data(self, op: OperatorInfo, k: int, n_ch: int) -> tuple[int, np.ndarray]:
        b = self.input(op, k, "bias", required=False)
        if b < 0:
            return -1, np.zeros(n_ch, np.int64)
        bt = self.expect_type(op, b, "bias", ("int32",))
        if not bt.is_constant or bt.num_elements != n_ch:
            raise self.err(op, "bias", f"bias must be a constant int32 tensor of {n_ch} elements")
        return b, np.asarray(bt.data, np.int64).reshape(-1)

    def kernel_sum_bias(self, bias: np.ndarray, w: np.ndarray, in_offset: int) -> int | None:
        """int32 bias with in_offset * sum(filter) folded in, for the DSP kernels (None if it overflows)."""
        ks = bias + in_offset * w.astype(np.int64).sum(axis=1)
        if ks.min() < -(2**31) or ks.max() >= 2**31:
            return None
        return self.add_const(ks.astype(np.int32), "ksum")

    # -- ops ----------------------------------------------------------------------------------
    def conv(self, op: OperatorInfo, depthwise: bool) -> _OpBuild:
        o = op.options
        x = self.activation_in(op, 0)
        w_idx = self.input(op, 1, "filter")
        w = self.expect_type(op, w_idx, "filter", ("int8",))
        if not w.is_constant:
            raise self.err(op, "filter", "filter must be a constant tensor")
        out = self.single_output(op)
        if len(x.shape) != 4 or len(w.shape) != 4 or len(out.shape) != 4:
            raise self.err(op, "shape", f"expected 4-d input/filter/output, got {x.shape}, {w.shape}, {out.shape}")
        b, in_h, in_w, in_c = x.shape
        ob, out_h, out_w, out_c = out.shape
        if ob != b:
            raise self.err(op, "output batch", f"{ob} != input batch {b}")
        if depthwise:
            if w.shape[0] != 1 or w.shape[3] != out_c:
                raise self.err(op, "filter", f"depthwise filter shape {w.shape} does not fit output channels {out_c}")
            k_h, k_w = w.shape[1], w.shape[2]
            dm = int(o.get("depth_multiplier", 1)) or 1
            if out_c != in_c * dm:
                # TFLite derives the multiplier from the shapes
                if out_c % in_c:
                    raise self.err(op, "depth_multiplier", f"output channels {out_c} not a multiple of {in_c}")
                dm = out_c // in_c
        else:
            if w.shape[0] != out_c or w.shape[3] != in_c:
                raise self.err(op, "filter", f"filter shape {w.shape} does not match input channels {in_c} / output {out_c}")
            k_h, k_w = w.shape[1], w.shape[2]
            dm = 1
        sh, sw = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
        dh, dw = int(o.get("dilation_h_factor", 1)), int(o.get("dilation_w_factor", 1))
        if min(sh, sw) < 1:
            raise self.err(op, "stride", f"stride {sh}x{sw} must be >= 1")
        if min(dh, dw) < 1:
            raise self.err(op, "dilation", f"dilation {dh}x{dw} must be >= 1")
        pad_h = self.padding(op, in_h, k_h, sh, dh, out_h, "height")
        pad_w = self.padding(op, in_w, k_w, sw, dw, out_w, "width")
        in_s, in_zp = self.qparams(op, x, "input")
        out_s, out_zp = self.qparams(op, out, "output")
        act_min, act_max = self.act(op, out)
        mult, shift = self.per_channel_requant(op, in_s, w, out_s, out_c, 3 if depthwise else 0)
        b_idx, bias = self.bias_data(op, 2, out_c)
        wdata = np.asarray(w.data, np.int8)
        ksum = None
        wdsp = -1
        scratch = 0
        if self.dsp_params:
            w2 = wdata.reshape(out_c, -1) if not depthwise else wdata.reshape(-1, out_c).T
            if depthwise:
                # depthwise DSP kernel: the offset is added per tap, so the plain bias; weights regrouped
                # as [out_c/4][k_h][k_w][4] and a padded row band of k_h input rows in scratch
                groups = out_c // 4
                if dm == 1 and groups > 0:
                    ksum = self.add_const(bias.astype(np.int32), f"op{op.index}_bias_dsp")
                    regroup = wdata.reshape(k_h, k_w, out_c)[:, :, : 4 * groups].reshape(k_h, k_w, groups, 4)
                    wdsp = self.add_const(np.ascontiguousarray(regroup.transpose(2, 0, 1, 3)), f"op{op.index}_wdsp")
                    band_w = (out_w - 1) * sw + (k_w - 1) * dw + 1
                    scratch = 4 * groups * k_h * band_w
            else:
                ksum = self.kernel_sum_bias(bias, w2, -in_zp)
                pointwise = k_h == 1 and k_w == 1 and sh == 1 and sw == 1 and pad_h == 0 and pad_w == 0
                depth = k_h * k_w * in_c
                # two int16-widened rows (+4 for the tail); im2col with in_c % 4 != 0 stages int8 rows first
                staged = not pointwise and in_c % 4 != 0  # int8 gather staging before widening
                scratch = _align4(4 * depth + 4) + (_align4(2 * depth) if staged else 0)
        params = dict(
            zip(
                pf.CONV_FIELDS,
                [x.index, w_idx, b_idx, out.index, mult, shift, -1 if ksum is None else ksum, -1, scratch, b, in_h,
                 in_w, in_c, out_h, out_w, out_c, k_h, k_w, sh, sw, dh, dw, pad_h, pad_w, -in_zp, out_zp, act_min,
                 act_max, dm, wdsp],
                strict=True,
            )
        )
        macs = b * out_h * out_w * out_c * k_h * k_w * (1 if depthwise else in_c)
        detail = f"{k_h}x{k_w} s{sh}x{sw} d{dh}x{dw} pad {pad_h},{pad_w}" + (f" dm{dm}" if depthwise else "")
        return _OpBuild(pf.OPCODES[op.op_name], params, [x.index, w_idx] + ([b_idx] if b_idx >= 0 else []),
                        [out.index], scratch, macs=macs, detail=detail)

    def fully_connected(self, op: OperatorInfo) -> _OpBuild:
        o = op.options
        x = self.activation_in(op, 0)
        w_idx = self.input(op, 1, "filter")
        w = self.expect_type(op, w_idx, "filter", ("int8",))
        if not w.is_constant or len(w.shape) != 2:
            raise self.err(op, "filter", "filter must be a constant 2-d tensor")
        if int(o.get("weights_format", 0)) != 0:
            raise self.err(op, "weights_format", "only the DEFAULT weights format is supported")
        out = self.single_output(op)
        out_c, depth = w.shape
        if x.num_elements % depth:
            raise self.err(op, "input", f"{x.num_elements} input elements not a multiple of depth {depth}")
        batch = x.num_elements // depth
        if out.num_elements != batch * out_c:
            raise self.err(op, "output", f"output has {out.num_elements} elements, expected {batch * out_c}")
        in_s, in_zp = self.qparams(op, x, "input")
        out_s, out_zp = self.qparams(op, out, "output")
        assert w.quant is not None
        w_zp = int(w.quant.zero_points[0])
        if len(w.quant.scales) == 1:
            # per-tensor: TFLite multiplies the two float scales in float32 first
            if w_zp != 0:
                raise self.err(op, "filter", "int8 filter zero point must be 0")
            real = float(np.float32(in_s) * np.float32(w.quant.scales[0])) / float(out_s)
            m1, s1 = quantize_multiplier(real)
            mult = self.add_const(np.full(out_c, m1, np.int32), f"op{op.index}_multipliers")
            shift = self.add_const(np.full(out_c, s1, np.int32), f"op{op.index}_shifts")
        else:
            mult, shift = self.per_channel_requant(op, in_s, w, out_s, out_c, 0)
        act_min, act_max = self.act(op, out)
        b_idx, bias = self.bias_data(op, 2, out_c)
        ksum = self.kernel_sum_bias(bias, np.asarray(w.data, np.int8), -in_zp) if self.dsp_params else None
        params = dict(
            zip(
                pf.FC_FIELDS,
                [x.index, w_idx, b_idx, out.index, -1 if ksum is None else ksum, -1, 0, batch, depth, out_c, -in_zp,
                 -w_zp, out_zp, mult, shift, act_min, act_max],
                strict=True,
            )
        )
        return _OpBuild(pf.OPCODES["FULLY_CONNECTED"], params, [x.index, w_idx] + ([b_idx] if b_idx >= 0 else []),
                        [out.index], macs=batch * out_c * depth, detail=f"{depth}->{out_c}")

    def pool(self, op: OperatorInfo) -> _OpBuild:
        o = op.options
        x = self.activation_in(op, 0)
        out = self.single_output(op)
        if len(x.shape) != 4 or len(out.shape) != 4:
            raise self.err(op, "shape", "expected 4-d input and output")
        b, in_h, in_w, c = x.shape
        _, out_h, out_w, oc = out.shape
        if oc != c:
            raise self.err(op, "output channels", f"{oc} != input channels {c}")
        kh, kw = int(o.get("filter_height", 1)), int(o.get("filter_width", 1))
        sh, sw = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
        if min(kh, kw, sh, sw) < 1:
            raise self.err(op, "filter/stride", "filter size and stride must be >= 1")
        pad_h = self.padding(op, in_h, kh, sh, 1, out_h, "height")
        pad_w = self.padding(op, in_w, kw, sw, 1, out_w, "width")
        in_q = self.qparams(op, x, "input")
        out_q = self.qparams(op, out, "output")
        if in_q != out_q:
            raise self.err(op, "quantization", f"input {in_q} and output {out_q} quantisation must match")
        act_min, act_max = self.act(op, out)
        params = dict(
            zip(pf.POOL_FIELDS, [x.index, out.index, b, in_h, in_w, c, out_h, out_w, kh, kw, sh, sw, pad_h, pad_w,
                                 act_min, act_max], strict=True)
        )
        return _OpBuild(pf.OPCODES[op.op_name], params, [x.index], [out.index], detail=f"{kh}x{kw} s{sh}x{sw}")

    def broadcast(self, op: OperatorInfo) -> tuple[TensorInfo, TensorInfo, TensorInfo, dict[str, int]]:
        a = self.activation_in(op, 0, "input1")
        bt = self.activation_in(op, 1, "input2")
        out = self.single_output(op)
        if max(len(a.shape), len(bt.shape), len(out.shape)) > 4:
            raise self.err(op, "shape", "more than 4 dimensions")
        sa, sb, so = self.nd4(a.shape), self.nd4(bt.shape), self.nd4(out.shape)
        fields: dict[str, int] = {"in1": a.index, "in2": bt.index, "out": out.index}
        for name, shp in (("s1", sa), ("s2", sb)):
            strides = [0] * 4
            acc = 1
            for d in range(3, -1, -1):
                if shp[d] == so[d]:
                    strides[d] = acc if so[d] > 1 else 0
                elif shp[d] == 1:
                    strides[d] = 0
                else:
                    raise self.err(op, "shape", f"{list(a.shape)} and {list(bt.shape)} do not broadcast to {list(out.shape)}")
                acc *= shp[d]
            for d in range(4):
                fields[f"{name}_{d}"] = strides[d]
        for d in range(4):
            fields[f"d{d}"] = so[d]
        if a.is_constant or bt.is_constant:
            pass  # constants are stored in the weights section and read from there
        return a, bt, out, fields

    def add(self, op: OperatorInfo) -> _OpBuild:
        a, b, out, f = self.broadcast(op)
        s1, z1 = self.qparams(op, a, "input1")
        s2, z2 = self.qparams(op, b, "input2")
        so, zo = self.qparams(op, out, "output")
        left_shift = 20
        twice_max = 2 * float(max(np.float32(s1), np.float32(s2)))
        m1, sh1 = quantize_multiplier(float(s1) / twice_max)
        m2, sh2 = quantize_multiplier(float(s2) / twice_max)
        mo, sho = quantize_multiplier(twice_max / ((1 << left_shift) * float(so)))
        act_min, act_max = self.act(op, out)
        f.update(in1_offset=-z1, in2_offset=-z2, out_offset=zo, left_shift=left_shift, m1=m1, sh1=sh1, m2=m2, sh2=sh2,
                 mo=mo, sho=sho, act_min=act_min, act_max=act_max)
        same = a.shape == out.shape
        return _OpBuild(pf.OPCODES["ADD"], f, [a.index, b.index], [out.index], alias="inplace" if same else "",
                        detail="broadcast" if not (same and b.shape == out.shape) else "")

    def mul(self, op: OperatorInfo) -> _OpBuild:
        a, b, out, f = self.broadcast(op)
        s1, z1 = self.qparams(op, a, "input1")
        s2, z2 = self.qparams(op, b, "input2")
        so, zo = self.qparams(op, out, "output")
        mult, shift = quantize_multiplier(float(s1) * float(s2) / float(so))
        act_min, act_max = self.act(op, out)
        f.update(in1_offset=-z1, in2_offset=-z2, out_offset=zo, mult=mult, shift=shift, act_min=act_min,
                 act_max=act_max)
        same = a.shape == out.shape
        return _OpBuild(pf.OPCODES["MUL"], f, [a.index, b.index], [out.index], alias="inplace" if same else "")

    def const_ints(self, op: OperatorInfo, k: int, what: str) -> np.ndarray:
        idx = self.input(op, k, what)
        t = self.expect_type(op, idx, what, ("int32", "int64"))
        if not t.is_constant:
            raise self.err(op, what, "must be a constant tensor")
        return np.asarray(t.data, np.int64)

    def mean(self, op: OperatorInfo) -> _OpBuild:
        x = self.activation_in(op, 0)
        out = self.single_output(op)
        axes = sorted({int(a) % len(x.shape) for a in self.const_ints(op, 1, "axis").reshape(-1)})
        if not axes or axes != list(range(axes[0], axes[-1] + 1)):
            raise self.err(op, "axis", f"reduction axes {axes} must be contiguous")
        shp = x.shape
        outer = int(np.prod(shp[: axes[0]], dtype=np.int64))
        reduce = int(np.prod(shp[axes[0] : axes[-1] + 1], dtype=np.int64))
        inner = int(np.prod(shp[axes[-1] + 1 :], dtype=np.int64))
        if out.num_elements != outer * inner:
            raise self.err(op, "output", f"{out.num_elements} elements, expected {outer * inner}")
        in_s, in_zp = self.qparams(op, x, "input")
        out_s, out_zp = self.qparams(op, out, "output")
        mult, shift = mean_multiplier(float(in_s) / float(out_s), reduce)
        params = {"in": x.index, "out": out.index, "outer": outer, "reduce": reduce, "inner": inner,
                  "mult": mult, "shift": shift, "in_zp": in_zp, "out_zp": out_zp}
        return _OpBuild(pf.OPCODES["MEAN"], params, [x.index], [out.index], detail=f"axes {axes}")

    def pad(self, op: OperatorInfo) -> _OpBuild:
        x = self.expect_type(op, self.input(op, 0, "input"), "input", ("int8", "float32"))
        out = self.single_output(op, (x.dtype,))
        pads = self.const_ints(op, 1, "paddings").reshape(-1, 2)
        if len(x.shape) > 4 or pads.shape[0] != len(x.shape):
            raise self.err(op, "paddings", f"paddings {pads.tolist()} do not fit a {len(x.shape)}-d input (max 4)")
        if (pads < 0).any():
            raise self.err(op, "paddings", "negative padding")
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            cv = self.t(op.inputs[2])
            if not cv.is_constant:
                raise self.err(op, "constant_values", "must be constant")
            value = int(np.asarray(cv.data).reshape(-1)[0])
            if x.dtype == "float32":
                value = pf.float_bits(float(np.asarray(cv.data).reshape(-1)[0]))
        elif x.dtype == "int8":
            value = self.qparams(op, out, "output")[1]
        else:
            value = 0
        in4 = self.nd4(x.shape)
        pad4 = [[0, 0]] * (4 - len(x.shape)) + pads.tolist()
        out4 = [in4[i] + pad4[i][0] + pad4[i][1] for i in range(4)]
        if out4 != self.nd4(out.shape):
            raise self.err(op, "output", f"shape {list(out.shape)} does not match padded {out4}")
        if x.dtype == "int8" and x.quant and out.quant and self.qparams(op, x, "input") != self.qparams(op, out, "output"):
            raise self.err(op, "quantization", "input and output quantisation must match")
        params = {"in": x.index, "out": out.index, "value": value, "elem_bytes": 1 if x.dtype == "int8" else 4}
        for i in range(4):
            params[f"in_d{i}"] = in4[i]
            params[f"out_d{i}"] = out4[i]
            params[f"before_{i}"] = int(pad4[i][0])
        return _OpBuild(pf.OPCODES["PAD"], params, [x.index], [out.index])

    def reshape(self, op: OperatorInfo) -> _OpBuild:
        x = self.expect_type(op, self.input(op, 0, "input"), "input", ("int8", "float32", "int32"))
        out = self.single_output(op, (x.dtype,))
        if out.num_elements != x.num_elements:
            raise self.err(op, "shape", f"{list(x.shape)} -> {list(out.shape)} changes the element count")
        params = {"in": x.index, "out": out.index, "bytes": x.nbytes}
        return _OpBuild(pf.OPCODES["RESHAPE"], params, [x.index], [out.index],
                        alias="" if x.is_constant else "reshape", detail=f"{list(x.shape)}->{list(out.shape)}")

    def concatenation(self, op: OperatorInfo) -> _OpBuild:
        out = self.single_output(op, ("int8", "float32"))
        if int(op.options.get("fused_activation_function", 0)) != 0:
            raise self.err(op, "fused_activation_function", "fused activation on CONCATENATION is not supported")
        axis = int(op.options.get("axis", 0)) % len(out.shape)
        outer = int(np.prod(out.shape[:axis], dtype=np.int64))
        inner = int(np.prod(out.shape[axis + 1 :], dtype=np.int64))
        words = [out.index, outer, len(op.inputs)]
        total = 0
        for k, idx in enumerate(op.inputs):
            t = self.expect_type(op, idx, f"input{k}", (out.dtype,))
            if len(t.shape) != len(out.shape):
                raise self.err(op, f"input{k}", "rank differs from the output")
            words += [idx, t.shape[axis] * inner * np.dtype(t.numpy_dtype).itemsize]
            total += t.shape[axis]
        if total != out.shape[axis]:
            raise self.err(op, "axis", f"inputs add up to {total} along axis {axis}, output has {out.shape[axis]}")
        return _OpBuild(pf.OPCODES["CONCATENATION"], words, list(op.inputs), [out.index])

    def softmax(self, op: OperatorInfo) -> _OpBuild:
        x = self.activation_in(op, 0)
        out = self.single_output(op)
        in_s, _ = self.qparams(op, x, "input")
        out_s, out_zp = self.qparams(op, out, "output")
        if out_zp != -128 or abs(out_s - 1 / 256) > 1e-8 * 256:
            raise self.err(op, "output quantization", f"expected scale 1/256 and zero point -128, got {out_s}, {out_zp}")
        beta = float(op.options.get("beta", 1.0))
        mult, shift, diff_min = softmax_params(beta, in_s)
        depth = x.shape[-1]
        params = {"in": x.index, "out": out.index, "rows": x.num_elements // depth, "depth": depth, "mult": mult,
                  "shift": shift, "diff_min": diff_min}
        return _OpBuild(pf.OPCODES["SOFTMAX"], params, [x.index], [out.index])

    def logistic(self, op: OperatorInfo) -> _OpBuild:
        x = self.activation_in(op, 0)
        out = self.single_output(op)
        in_s, in_zp = self.qparams(op, x, "input")
        out_s, out_zp = self.qparams(op, out, "output")
        if out_zp != -128 or abs(out_s - 1 / 256) > 1e-8 * 256:
            raise self.err(op, "output quantization", f"expected scale 1/256 and zero point -128, got {out_s}, {out_zp}")
        mult, shift, radius = logistic_params(in_s)
        params = {"in": x.index, "out": out.index, "size": x.num_elements, "in_zp": in_zp, "radius": radius,
                  "mult": mult, "shift": shift}
        return _OpBuild(pf.OPCODES["LOGISTIC"], params, [x.index], [out.index], alias="inplace")

    def relu(self, op: OperatorInfo) -> _OpBuild:
        x = self.activation_in(op, 0)
        out = self.single_output(op)
        in_s, in_zp = self.qparams(op, x, "input")
        out_s, out_zp = self.qparams(op, out, "output")
        mult, shift = quantize_multiplier(float(in_s) / float(out_s))
        act_min = max(INT8_MIN, out_zp + int(round(0.0)))
        params = {"in": x.index, "out": out.index, "size": x.num_elements, "in_zp": in_zp, "out_zp": out_zp,
                  "mult": mult, "shift": shift, "act_min": act_min, "act_max": INT8_MAX}
        return _OpBuild(pf.OPCODES["RELU"], params, [x.index], [out.index], alias="inplace")

    def relu6(self, op: OperatorInfo) -> _OpBuild:
        x = self.activation_in(op, 0)
        out = self.single_output(op)
        in_s, in_zp = self.qparams(op, x, "input")
        # TFLM clamps in the input's quantisation and copies (the converter gives both the same)
        six = float_to_quantized_int8(6.0, in_s, in_zp)
        params = {"in": x.index, "out": out.index, "size": x.num_elements, "lo": in_zp, "hi": six}
        return _OpBuild(pf.OPCODES["RELU6"], params, [x.index], [out.index], alias="inplace")

    def quantize(self, op: OperatorInfo) -> _OpBuild:
        x = self.expect_type(op, self.input(op, 0, "input"), "input", ("float32", "int8"))
        out = self.single_output(op)
        out_s, out_zp = self.qparams(op, out, "output")
        if x.num_elements != out.num_elements:
            raise self.err(op, "shape", "input and output element counts differ")
        lo, hi = pf.double_words(float(out_s))
        if x.dtype == "float32":
            params = {"mode": 0, "in_zp": 0, "mult": 0, "shift": 0}
        else:
            in_s, in_zp = self.qparams(op, x, "input")
            mult, shift = quantize_multiplier(float(in_s) / float(out_s))
            params = {"mode": 1, "in_zp": in_zp, "mult": mult, "shift": shift}
        params.update({"in": x.index, "out": out.index, "size": x.num_elements, "out_zp": out_zp, "scale_lo": lo,
                       "scale_hi": hi})
        return _OpBuild(pf.OPCODES["QUANTIZE"], params, [x.index], [out.index],
                        alias="inplace" if x.dtype == "int8" else "")

    def dequantize(self, op: OperatorInfo) -> _OpBuild:
        x = self.activation_in(op, 0)
        out = self.single_output(op, ("float32",))
        in_s, in_zp = self.qparams(op, x, "input")
        lo, hi = pf.double_words(float(in_s))
        params = {"in": x.index, "out": out.index, "size": x.num_elements, "zp": in_zp, "scale_lo": lo, "scale_hi": hi}
        return _OpBuild(pf.OPCODES["DEQUANTIZE"], params, [x.index], [out.index])

    # -- driver -------------------------------------------------------------------------------
    def build_op(self, op: OperatorInfo) -> _OpBuild:
        name = op.op_name
        handlers: dict[str, Any] = {
            "CONV_2D": lambda: self.conv(op, False),
            "DEPTHWISE_CONV_2D": lambda: self.conv(op, True),
            "FULLY_CONNECTED": lambda: self.fully_connected(op),
            "AVERAGE_POOL_2D": lambda: self.pool(op),
            "MAX_POOL_2D": lambda: self.pool(op),
            "ADD": lambda: self.add(op),
            "MUL": lambda: self.mul(op),
            "MEAN": lambda: self.mean(op),
            "PAD": lambda: self.pad(op),
            "RESHAPE": lambda: self.reshape(op),
            "CONCATENATION": lambda: self.concatenation(op),
            "SOFTMAX": lambda: self.softmax(op),
            "LOGISTIC": lambda: self.logistic(op),
            "RELU": lambda: self.relu(op),
            "RELU6": lambda: self.relu6(op),
            "QUANTIZE": lambda: self.quantize(op),
            "DEQUANTIZE": lambda: self.dequantize(op),
        }
        if name not in handlers:
            raise self.err(op, None, f"op {name} is not supported (supported: {', '.join(SUPPORTED_OPS)})")
        return handlers[name]()

    def compile(self) -> CompiledPlan:
        m = self.m
        if m.num_subgraphs != 1:
            raise CompileError(self.src, f"model has {m.num_subgraphs} subgraphs; only 1 is supported")
        if len(m.inputs) != 1 or len(m.outputs) != 1:
            raise CompileError(self.src, f"model has {len(m.inputs)} inputs and {len(m.outputs)} outputs; "
                               "the engine supports exactly 1 of each")
        if not m.operators:
            raise CompileError(self.src, "model has no operators")
        for idx in (m.inputs[0], m.outputs[0]):
            t = m.tensors[idx]
            if t.dtype not in ("int8", "float32"):
                raise CompileError(self.src, f"model input/output tensor {idx} ({t.name!r}) is {t.dtype}; "
                                   "expected int8 or float32")
        builds = [self.build_op(op) for op in m.operators]
        n_ops = len(builds)
        n_total = self.n_base + len(self.extra)
        if n_total > 0xFFFE or n_ops > 0xFFFE:
            raise CompileError(self.src, f"{n_total} tensors / {n_ops} ops exceed the plan format's 65534 limit")

        # lifetimes of activation tensors
        producer: dict[int, int] = {}
        last_use: dict[int, int] = {}
        for i, bld in enumerate(builds):
            for t in bld.data_inputs:
                if t >= 0 and not m.tensors[t].is_constant:
                    if t not in producer and t != m.inputs[0]:
                        raise CompileError(self.src, f"tensor {t} ({m.tensors[t].name!r}) is read before any op writes it",
                                           i, m.operators[i].op_name, "inputs")
                    last_use[t] = i
            for t in bld.outputs:
                if t in producer:
                    raise CompileError(self.src, f"tensor {t} written twice", i, m.operators[i].op_name, "outputs")
                producer[t] = i
        model_in, model_out = m.inputs[0], m.outputs[0]
        if model_out not in producer:
            raise CompileError(self.src, "the model output is not written by any op")
        producer_or_input = dict(producer)
        producer_or_input[model_in] = -1
        for t in producer_or_input:
            last_use.setdefault(t, producer_or_input[t])
        last_use[model_out] = n_ops

        # alias groups (union-find over tensors)
        parent: dict[int, int] = {t: t for t in producer_or_input}

        def find(t: int) -> int:
            while parent[t] != t:
                parent[t] = parent[parent[t]]
                t = parent[t]
            return t

        def group_last(root: int) -> int:
            return max(last_use[t] for t in parent if find(t) == root)

        for i, bld in enumerate(builds):
            if not bld.alias:
                continue
            src_t, dst_t = bld.data_inputs[0], bld.outputs[0]
            if src_t not in parent:
                continue
            if bld.alias == "inplace":
                if src_t == model_in or find(src_t) == find(model_in):
                    continue
                if group_last(find(src_t)) != i:
                    continue
                if m.tensors[src_t].nbytes != m.tensors[dst_t].nbytes:
                    continue
                others = [t for t in bld.data_inputs[1:] if t in parent]
                if any(find(t) == find(src_t) for t in others):
                    continue  # the other operand shares the memory: not provably safe
            parent[find(dst_t)] = find(src_t)

        groups: dict[int, ArenaBuffer] = {}
        for t in producer_or_input:
            r = find(t)
            g = groups.setdefault(r, ArenaBuffer(f"t{r}", 0, 10**9, -10**9))
            g.members.append(t)
            g.size = max(g.size, m.tensors[t].nbytes)
            g.first = min(g.first, producer_or_input[t])
            g.last = max(g.last, last_use[t])
        buffers = list(groups.values())
        scratch_bufs: dict[int, ArenaBuffer] = {}
        for i, bld in enumerate(builds):
            if bld.scratch_bytes:
                sb = ArenaBuffer(f"scratch{i}", bld.scratch_bytes, i, i)
                scratch_bufs[i] = sb
                buffers.append(sb)
        arena_bytes = plan_arena(buffers)
        offset = {t: groups[find(t)].offset for t in producer_or_input}

        # clobber: first op after the producer whose writes overlap the tensor's bytes
        writes: list[list[tuple[int, int]]] = []
        for i, bld in enumerate(builds):
            w = []
            for t in bld.outputs:
                is_alias = bld.alias == "reshape" and find(t) == find(bld.data_inputs[0])
                if not is_alias:
                    w.append((offset[t], offset[t] + m.tensors[t].nbytes))
            if i in scratch_bufs:
                sb = scratch_bufs[i]
                w.append((sb.offset, sb.offset + sb.size))
            writes.append(w)
        clobber: dict[int, int] = {}
        for t, p in producer_or_input.items():
            lo, hi = offset[t], offset[t] + m.tensors[t].nbytes
            for k in range(p + 1, n_ops):
                if any(a < hi and lo < b for a, b in writes[k]):
                    clobber[t] = k
                    break

        # weights section: constants the kernels read, then the extra constants
        weights = bytearray()
        const_offset: dict[int, int] = {}

        def put(arr: np.ndarray) -> int:
            while len(weights) % 4:
                weights.append(0)
            off = len(weights)
            weights.extend(np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes())
            return off

        used_consts = sorted({t for bld in builds for t in bld.data_inputs if t >= 0 and m.tensors[t].is_constant})
        for t in used_consts:
            info = m.tensors[t]
            if info.dtype not in pf.TYPE_CODES:
                raise CompileError(self.src, f"constant tensor {t} ({info.name!r}) has unsupported type {info.dtype}")
            const_offset[t] = put(np.asarray(info.data))
        extra_offsets = [put(arr) for arr, _ in self.extra]

        tensors: list[pf.PlanTensor] = []
        for t in range(self.n_base):
            info = m.tensors[t]
            code = pf.TYPE_CODES.get(info.dtype, pf.TYPE_INT32)
            if t in producer_or_input:
                p = producer_or_input[t]
                tensors.append(pf.PlanTensor(code, pf.LOC_ARENA, pf.NO_OP if p < 0 else p,
                                             clobber.get(t, pf.NO_OP), offset[t], info.nbytes))
            elif t in const_offset:
                tensors.append(pf.PlanTensor(code, pf.LOC_WEIGHTS, pf.NO_OP, pf.NO_OP, const_offset[t], info.nbytes))
            else:
                tensors.append(pf.PlanTensor(code, pf.LOC_WEIGHTS, pf.NO_OP, pf.NO_OP, 0, 0))
        for (arr, _name), off in zip(self.extra, extra_offsets, strict=True):
            code = pf.TYPE_CODES[str(arr.dtype)]
            tensors.append(pf.PlanTensor(code, pf.LOC_WEIGHTS, pf.NO_OP, pf.NO_OP, off, arr.nbytes))

        ops: list[pf.PlanOp] = []
        reports: list[OpReport] = []
        for i, (op, bld) in enumerate(zip(m.operators, builds, strict=True)):
            if isinstance(bld.params, dict):
                params = dict(bld.params)
                if "scratch_off" in params:
                    params["scratch_off"] = scratch_bufs[i].offset if i in scratch_bufs else -1
                words = pf.pack_params(op.op_name, params)
            else:
                words = list(bld.params)
            ops.append(pf.PlanOp(bld.opcode, words))
            reports.append(OpReport(i, op.op_name, m.tensors[bld.outputs[0]].shape, bld.macs, bld.scratch_bytes,
                                    bld.detail))

        blob = pf.build_blob(tensors, ops, bytes(weights), arena_bytes, model_in, model_out)

        def spec(idx: int) -> TensorSpec:
            info = m.tensors[idx]
            s, z = (float(info.quant.scales[0]), int(info.quant.zero_points[0])) if info.quant else (1.0, 0)
            return TensorSpec(idx, info.name, info.shape, info.dtype, s, z)

        return CompiledPlan(
            blob=blob,
            plan_hash=f"{pf.blob_crc(blob):08x}",
            arena_bytes=arena_bytes,
            weights_bytes=len(weights),
            input=spec(model_in),
            output=spec(model_out),
            ops=reports,
            source=self.src,
            n_tensors=len(tensors),
            tensor_names=[t.name for t in m.tensors],
            op_outputs=[tuple(b.outputs) for b in builds],
        )


def compile_model(model: str | Path | bytes | TfliteModel, board: Any = None, *, dsp_params: bool = True,
                  source: str | None = None) -> CompiledPlan:
    """Compile a .tflite model (path, bytes or a parsed :class:`TfliteModel`) into a plan.

    ``board`` (a harness.boards Board or None) is accepted for future board-specific choices; the
    plan itself is portable. ``dsp_params`` adds the folded biases and scratch the DSP kernels use.
    """
    parsed = model if isinstance(model, TfliteModel) else read_tflite(model, source=source)
    plan = _Compiler(parsed, dsp_params=dsp_params).compile()
    if board is not None:
        log.debug("compiled %s for %s", plan.source, getattr(board, "name", board))
    if not math.isfinite(plan.arena_bytes):
        raise CompileError(plan.source, "arena size is not finite")
    return plan
