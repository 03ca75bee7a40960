"""MobileNetV2 backbone with searchable widths: the MicroNets VWW spaces (50x50 and 160x160 grayscale).

Decisions, each a percentage of MobileNetV2 (width 1.0) from 10 to 100 in steps of 10; the channel
count is the percentage of the base width rounded to the nearest multiple of 4, at least 4:

* ``stem.width`` — the 3x3 stride-2 conv before the blocks (base 32).
* ``stage{s}.width`` — projection (last 1x1 conv) width shared by every block of stage s
  (bases 16, 24, 32, 64, 96, 160, 320); shared because residual ADDs need equal widths.
* ``block{b}.expansion_width`` — expansion (first 1x1 conv) width of block b = 2..17 (base: 6 x the
  block's base input width); block 1 has no expansion conv (MobileNetV2's t = 1).
* ``head.width`` — the 1x1 conv after the blocks (base 1280).

Depth is fixed (17 blocks). A block gets a residual ADD when its stride is 1 and its input and
output widths are equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search_space.spaces.base import Decision, SearchSpace, percent_width
from search_space.spec import ArchSpec, Conv2D, InvertedBottleneck, Layer

__all__ = ["VWWSpace", "MOBILENETV2_STAGES", "PERCENT_OPTIONS"]

PERCENT_OPTIONS = tuple(range(10, 101, 10))
STEM_BASE = 32
HEAD_BASE = 1280
# (expansion factor t, base output channels c, blocks n, first stride s) — MobileNetV2 Table 2
MOBILENETV2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def _blocks() -> list[tuple[int, int, int, int, int]]:
    """(block number, stage number, stride, base input width, expansion factor) for every block."""
    out = []
    prev = STEM_BASE
    b = 1
    for s, (t, c, n, stride) in enumerate(MOBILENETV2_STAGES, start=1):
        for k in range(n):
            out.append((b, s, stride if k == 0 else 1, prev, t))
            prev = c
            b += 1
    return out


class VWWSpace(SearchSpace):
    num_classes = 2

    def __init__(self, resolution: int):
        self.resolution = resolution
        self.name = f"vww{resolution}"
        self.input_shape = (resolution, resolution, 1)
        self.description = (
            f"MicroNets VWW: MobileNetV2 inverted bottlenecks, widths 10-100% in 10% steps; "
            f"{resolution}x{resolution}x1 grayscale input, 2 classes"
        )

    def decisions(self) -> list[Decision]:
        out = [Decision("stem.width", PERCENT_OPTIONS, f"% of {STEM_BASE} channels in the 3x3 stride-2 stem")]
        for s, (_t, c, _n, _st) in enumerate(MOBILENETV2_STAGES, start=1):
            out.append(Decision(f"stage{s}.width", PERCENT_OPTIONS, f"% of {c} projection channels in stage {s}"))
        for b, s, _stride, base_in, t in _blocks():
            if t > 1:
                out.append(
                    Decision(f"block{b}.expansion_width", PERCENT_OPTIONS, f"% of {t * base_in} expansion channels (stage {s})")
                )
        out.append(Decision("head.width", PERCENT_OPTIONS, f"% of {HEAD_BASE} channels in the final 1x1 conv"))
        return out

    def minimum_choices(self) -> dict[str, Any]:
        return {d.name: min(d.options) for d in self.decisions()}

    def _build(self, choices: Mapping[str, Any]) -> ArchSpec:
        layers: list[Layer] = [Conv2D(percent_width(STEM_BASE, choices["stem.width"]), (3, 3), (2, 2), activation="relu6")]
        for b, s, stride, base_in, t in _blocks():
            out_c = percent_width(MOBILENETV2_STAGES[s - 1][1], choices[f"stage{s}.width"])
            expand = percent_width(t * base_in, choices[f"block{b}.expansion_width"]) if t > 1 else 0
            layers.append(InvertedBottleneck(expand, out_c, (stride, stride)))
        layers.append(Conv2D(percent_width(HEAD_BASE, choices["head.width"]), (1, 1), (1, 1), activation="relu6"))
        return ArchSpec(self.input_shape, tuple(layers), self.num_classes)
