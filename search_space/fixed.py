"""Fixed architectures: the MicroNets models of the paper's Table 5 and an MLPerf-Tiny-style DS-CNN-S.

KWS-S/M/L and AD-S/M/L are built through their search space (so each is a member of it, with the
choices recorded); dropped stride-1 blocks are the last ones, which gives the same graph as any other
choice of which stride-1 blocks to drop. ``dscnn-s`` is the MLPerf Tiny KWS reference architecture
(10x4 stride-2 stem of 64 channels, four DS blocks of 64) and lies outside the KWS space (its stem
has stride 2).
"""

from __future__ import annotations

from search_space.spaces import get_space
from search_space.spec import ArchSpec, Conv2D, DSBlock

__all__ = ["FIXED_SPECS", "fixed_spec", "list_fixed"]


def _dscnn_choices(space_name: str, stem: int, blocks: list[int | None]) -> dict[str, object]:
    """Choices for a DS-CNN space: ``blocks[i]`` is block i+1's width, or None to drop it."""
    space = get_space(space_name)
    n = sum(1 for d in space.decisions() if d.name.endswith(".keep"))
    blocks = blocks + [None] * (n - len(blocks))
    choices: dict[str, object] = {"stem.filters": stem}
    for i, width in enumerate(blocks, start=1):
        choices[f"block{i}.keep"] = width is not None
        choices[f"block{i}.filters"] = width if width is not None else 4
    return choices


# Table 5 of the paper: widths of DS blocks in space order (None = dropped block).
_TABLE5: dict[str, tuple[str, int, list[int | None]]] = {
    "kws-s": ("kws", 84, [112, 84, 84, 84, 196]),
    "kws-m": ("kws", 140, [140, 140, 140, 112, 196]),
    "kws-l": ("kws", 276, [248, 276, 276, 248, 248, 248, 248]),
    "ad-s": ("ad", 72, [164, 220, None, 276, 276]),
    "ad-m": ("ad", 192, [276, 276, 276, 276, 276]),
    "ad-l": ("ad", 276, [248, 276, 276, 248, 248]),
}


def _dscnn_s() -> ArchSpec:
    layers = (Conv2D(64, (10, 4), (2, 2)),) + tuple(DSBlock(64) for _ in range(4))
    spec = ArchSpec((49, 10, 1), layers, 12, name="dscnn-s")
    spec.validate()
    return spec


def _build_all() -> dict[str, ArchSpec]:
    out: dict[str, ArchSpec] = {}
    for name, (space_name, stem, blocks) in _TABLE5.items():
        out[name] = get_space(space_name).build(_dscnn_choices(space_name, stem, blocks), name=name)
    out["dscnn-s"] = _dscnn_s()
    return out


FIXED_SPECS: dict[str, ArchSpec] = _build_all()


def list_fixed() -> list[str]:
    return list(FIXED_SPECS)


def fixed_spec(name: str) -> ArchSpec:
    try:
        return FIXED_SPECS[name.lower()]
    except KeyError:
        raise KeyError(f"unknown fixed architecture {name!r}; known: {', '.join(FIXED_SPECS)}") from None
