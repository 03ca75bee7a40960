"""DS-CNN backbones with droppable blocks: the MicroNets KWS and AD spaces.

Decisions (see docs/search-spaces.md):

* ``stem.filters`` — output channels of the first convolution: 4, 8, …, 276.
* ``block{i}.keep`` — True keeps DS block i; False replaces it by its skip branch (nothing when the
  block has stride 1, a 2×2 stride-2 'same' average pool when it downsamples).
* ``block{i}.filters`` — pointwise output channels of DS block i: 4, 8, …, 276 (ignored when dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search_space.spaces.base import Decision, SearchSpace, width_options
from search_space.spec import ArchSpec, AvgPool, Conv2D, DSBlock, Layer

__all__ = ["DSCNNSpace", "KWSSpace", "ADSpace", "MAX_WIDTH"]

MAX_WIDTH = 276  # DS-CNN(L)'s width


class DSCNNSpace(SearchSpace):
    stem_kernel: tuple[int, int] = (3, 3)
    stem_stride: tuple[int, int] = (1, 1)
    block_strides: tuple[int, ...] = ()

    def decisions(self) -> list[Decision]:
        widths = width_options(MAX_WIDTH)
        out = [Decision("stem.filters", widths, f"output channels of the {self.stem_kernel[0]}x{self.stem_kernel[1]} stem conv")]
        for i, stride in enumerate(self.block_strides, start=1):
            skip = "a 2x2 stride-2 average pool" if stride == 2 else "identity"
            out.append(Decision(f"block{i}.keep", (True, False), f"keep DS block {i} (stride {stride}); dropped = {skip}"))
            out.append(Decision(f"block{i}.filters", widths, f"pointwise output channels of DS block {i}"))
        return out

    def minimum_choices(self) -> dict[str, Any]:
        out: dict[str, Any] = {"stem.filters": 4}
        for i in range(1, len(self.block_strides) + 1):
            out[f"block{i}.keep"] = False
            out[f"block{i}.filters"] = 4
        return out

    def _build(self, choices: Mapping[str, Any]) -> ArchSpec:
        layers: list[Layer] = [Conv2D(choices["stem.filters"], self.stem_kernel, self.stem_stride)]
        for i, stride in enumerate(self.block_strides, start=1):
            if choices[f"block{i}.keep"]:
                layers.append(DSBlock(choices[f"block{i}.filters"], (stride, stride)))
            elif stride != 1:
                layers.append(AvgPool((2, 2), (stride, stride), "same"))
        return ArchSpec(self.input_shape, tuple(layers), self.num_classes)


class KWSSpace(DSCNNSpace):
    name = "kws"
    description = (
        "MicroNets KWS: DS-CNN(L) plus four more DS blocks (9 in all), 10x4 stem, block 1 stride 2, "
        "every block droppable via its skip; 49x10x1 MFCC input, 12 classes"
    )
    input_shape = (49, 10, 1)
    num_classes = 12
    stem_kernel = (10, 4)
    block_strides = (2, 1, 1, 1, 1, 1, 1, 1, 1)


class ADSpace(DSCNNSpace):
    name = "ad"
    description = (
        "MicroNets AD: DS-CNN(L) (5 DS blocks) with skips, blocks 1, 4 and 5 stride 2 so 32x32 reaches 4x4; "
        "32x32x1 log-mel input, 4 machine IDs"
    )
    input_shape = (32, 32, 1)
    num_classes = 4
    stem_kernel = (3, 3)
    block_strides = (2, 1, 1, 2, 2)
