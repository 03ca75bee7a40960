"""Differentiable resource terms of a DS-CNN space (``kws``, ``ad``) under a distribution over choices.

A distribution gives every decision a probability vector: ``stem`` over the stem widths, ``keep[i]``
= P(block i is kept), ``width[i]`` over block i's widths. Decisions are independent, so the
expectation of every count that is a sum of products of *different* decisions (MACs of a
pointwise conv = H·W·c_in·c_out with c_in fixed by earlier decisions) is the same expression on
the expected channel counts. The input width of block i+1 is

    E[c_in(i+1)] = P(keep i)·E[w_i] + (1 − P(keep i))·E[c_in(i)],   E[c_in(1)] = E[stem]

Terms (all equal to :func:`search_space.counting.count_spec`'s numbers when the distribution is
one-hot, which the tests check):

* ``macs`` / ``paper_ops`` (= 2·MACs, what latency models are fitted on) / ``total_ops``;
* ``flash_bytes``: weight bytes (int8 weights, int32 biases) + the counter's metadata estimate
  (per op, per tensor, per quantisation channel), in expectation;
* working memory (SRAM): every op node's expected input + output bytes (a node that exists only
  when a block is kept or dropped is weighted by that probability); the model's value is the max
  over nodes — ``sram_bytes`` the hard max, ``sram_smooth_bytes`` a log-sum-exp max with
  temperature ``SRAM_SMOOTH_BYTES`` (at most max + τ·ln(nodes)), which is what the loss uses.

The arithmetic only uses ``+``, ``*`` and a pluggable max, so it runs on NumPy floats (checks,
reports) and on TensorFlow tensors (the search's loss) alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from search_space.counting import (
    METADATA_FIXED_BYTES,
    METADATA_PER_OP_BYTES,
    METADATA_PER_QUANT_CHANNEL_BYTES,
    METADATA_PER_TENSOR_BYTES,
)
from search_space.spaces import SearchSpace, get_space
from search_space.spaces.dscnn import DSCNNSpace
from search_space.spec import conv_output_size

__all__ = ["DSCNNStructure", "ExpectedResources", "expected_resources", "structure_of", "SRAM_SMOOTH_BYTES"]

SRAM_SMOOTH_BYTES = 64.0  # temperature of the log-sum-exp max over nodes (bytes)
_BIAS_BYTES = 4


@dataclass(frozen=True)
class DSCNNStructure:
    """The fixed skeleton of a DS-CNN space: what does not depend on the choices."""

    space: str
    input_shape: tuple[int, int, int]
    num_classes: int
    stem_kernel: tuple[int, int]
    stem_stride: tuple[int, int]
    block_strides: tuple[int, ...]
    widths: tuple[int, ...]  # options of every width decision (stem and blocks)

    @property
    def n_blocks(self) -> int:
        return len(self.block_strides)

    def spatial(self) -> list[tuple[int, int]]:
        """Feature-map size after the stem (index 0) and after each block (1..n); dropping a block
        does not change it (a dropped stride-2 block is a stride-2 'same' pool)."""
        h, w, _ = self.input_shape
        h = conv_output_size(h, self.stem_kernel[0], self.stem_stride[0], "same")
        w = conv_output_size(w, self.stem_kernel[1], self.stem_stride[1], "same")
        out = [(h, w)]
        for s in self.block_strides:
            h, w = conv_output_size(h, 3, s, "same"), conv_output_size(w, 3, s, "same")
            out.append((h, w))
        return out

    def decision_names(self) -> list[str]:
        names = ["stem.filters"]
        for i in range(1, self.n_blocks + 1):
            names += [f"block{i}.keep", f"block{i}.filters"]
        return names


def structure_of(space: SearchSpace | str) -> DSCNNStructure:
    """The skeleton of a DS-CNN space; other spaces are refused with the reason."""
    sp = get_space(space) if isinstance(space, str) else space
    if not isinstance(sp, DSCNNSpace):
        raise ValueError(f"search space {sp.name!r}: DNAS supports the DS-CNN spaces (kws, ad), not this one")
    widths = sp.decision_map()["stem.filters"].options
    return DSCNNStructure(sp.name, tuple(sp.input_shape), sp.num_classes, tuple(sp.stem_kernel), tuple(sp.stem_stride),
                          tuple(sp.block_strides), tuple(widths))


@dataclass
class ExpectedResources:
    """Expected counts (floats or tensors)."""

    macs: Any
    paper_ops: Any
    total_ops: Any
    params: Any
    flash_bytes: Any
    sram_bytes: Any  # hard max over nodes of the expected working memory
    sram_smooth_bytes: Any  # log-sum-exp max (the loss uses this)
    node_bytes: list[tuple[str, Any]]


def _py_max(values: Sequence[Any]) -> Any:
    return max(values)


def _py_smooth_max(values: Sequence[Any], tau: float) -> Any:
    m = max(values)
    return m + tau * math.log(sum(math.exp((v - m) / tau) for v in values))


def expected_resources(
    structure: DSCNNStructure,
    stem_width: Any,
    keep: Sequence[Any],
    widths: Sequence[Any],
    *,
    hard_max: Callable[[Sequence[Any]], Any] = _py_max,
    smooth_max: Callable[[Sequence[Any], float], Any] = _py_smooth_max,
) -> ExpectedResources:
    """Expected resources given E[stem width], P(keep block i) and E[width of block i].

    ``stem_width`` and ``widths[i]`` are expected channel counts (Σ_k z_k·w_k), ``keep[i]`` keep
    probabilities. With one-hot values the result equals the counter's numbers for that spec.
    """
    if len(keep) != structure.n_blocks or len(widths) != structure.n_blocks:
        raise ValueError(f"{structure.space}: expected {structure.n_blocks} keep probabilities and widths, "
                         f"got {len(keep)} and {len(widths)}")
    h0, w0, c0 = structure.input_shape
    sizes = structure.spatial()
    kh, kw = structure.stem_kernel
    hw1 = sizes[0][0] * sizes[0][1]
    # Stem CONV_2D (with bias): output tensor, 2 constant tensors, 2 quantisation channels per filter.
    macs = hw1 * kh * kw * c0 * stem_width
    elem = 0.0
    params = (kh * kw * c0 + 1) * stem_width
    wbytes = (kh * kw * c0 + _BIAS_BYTES) * stem_width
    n_ops = 1.0
    n_tensors = 2.0  # input + stem output
    n_const = 2.0
    qch = 2 * stem_width
    nodes: list[tuple[str, Any]] = [("stem", h0 * w0 * c0 + hw1 * stem_width)]
    c_in = stem_width
    for i in range(structure.n_blocks):
        p, w = keep[i], widths[i]
        hi, wi = sizes[i]
        ho, wo = sizes[i + 1]
        hwi, hwo = hi * wi, ho * wo
        stride = structure.block_strides[i]
        # kept: DEPTHWISE_CONV_2D 3x3 (c_in) + CONV_2D 1x1 (c_in -> w), both with bias
        macs = macs + p * (hwo * 9 * c_in + hwo * c_in * w)
        params = params + p * (10 * c_in + c_in * w + w)
        wbytes = wbytes + p * ((9 + _BIAS_BYTES) * c_in + c_in * w + _BIAS_BYTES * w)
        n_ops = n_ops + 2 * p
        n_tensors = n_tensors + 2 * p
        n_const = n_const + 4 * p
        qch = qch + p * (2 * c_in + 2 * w)
        nodes.append((f"block{i + 1}.dw", p * (hwi + hwo) * c_in))
        nodes.append((f"block{i + 1}.pw", p * hwo * (c_in + w)))
        if stride != 1:  # dropped: a 2x2 stride-2 average pool
            q = 1 - p
            elem = elem + q * hwo * 4 * c_in
            n_ops = n_ops + q
            n_tensors = n_tensors + q
            nodes.append((f"block{i + 1}.pool", q * (hwi + hwo) * c_in))
        c_in = p * w + (1 - p) * c_in
    hf, wf = sizes[-1]
    k = structure.num_classes
    # Head: AVERAGE_POOL_2D over the map, FULLY_CONNECTED (per-tensor, with bias), SOFTMAX.
    elem = elem + hf * wf * c_in + 3 * k
    macs = macs + k * c_in
    params = params + k * c_in + k
    wbytes = wbytes + k * c_in + _BIAS_BYTES * k
    n_ops = n_ops + 3
    n_tensors = n_tensors + 3
    n_const = n_const + 2
    qch = qch + 2
    nodes += [("head.pool", hf * wf * c_in + c_in), ("head.fc", c_in + k), ("head.softmax", 2 * k)]
    metadata = (METADATA_FIXED_BYTES + METADATA_PER_OP_BYTES * n_ops
                + METADATA_PER_TENSOR_BYTES * (n_tensors + n_const) + METADATA_PER_QUANT_CHANNEL_BYTES * qch)
    values = [v for _, v in nodes]
    return ExpectedResources(
        macs=macs,
        paper_ops=2 * macs,
        total_ops=2 * macs + elem,
        params=params,
        flash_bytes=wbytes + metadata,
        sram_bytes=hard_max(values),
        sram_smooth_bytes=smooth_max(values, SRAM_SMOOTH_BYTES),
        node_bytes=nodes,
    )


def one_hot_inputs(structure: DSCNNStructure, choices: dict[str, Any]) -> tuple[float, list[float], list[float]]:
    """(stem width, keep flags, widths) of one architecture, as :func:`expected_resources` takes them."""
    keep = [1.0 if choices[f"block{i}.keep"] else 0.0 for i in range(1, structure.n_blocks + 1)]
    widths = [float(choices[f"block{i}.filters"]) for i in range(1, structure.n_blocks + 1)]
    return float(choices["stem.filters"]), keep, widths
