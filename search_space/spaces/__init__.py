"""The search spaces by name: ``get_space("kws")``, ``list_spaces()``."""

from __future__ import annotations

from search_space.spaces.base import ChoiceError, Decision, SearchSpace, percent_width, width_options
from search_space.spaces.dscnn import ADSpace, KWSSpace
from search_space.spaces.vww import VWWSpace

__all__ = [
    "ChoiceError",
    "Decision",
    "SearchSpace",
    "get_space",
    "list_spaces",
    "percent_width",
    "width_options",
]

_SPACES: dict[str, SearchSpace] = {
    s.name: s for s in (KWSSpace(), VWWSpace(50), VWWSpace(160), ADSpace())
}


def list_spaces() -> list[SearchSpace]:
    return list(_SPACES.values())


def get_space(name: str) -> SearchSpace:
    try:
        return _SPACES[name]
    except KeyError:
        raise KeyError(f"unknown search space {name!r}; known spaces: {', '.join(_SPACES)}") from None
