"""What a search space is: named decisions with finite option sets, and a builder from choices to spec."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from search_space.spec import CHANNEL_MULTIPLE, ArchSpec, SpecError

__all__ = ["Decision", "SearchSpace", "ChoiceError", "width_options", "percent_width"]


class ChoiceError(SpecError):
    """A choices dict that does not fit the space (unknown decision, option not allowed, missing)."""


@dataclass(frozen=True)
class Decision:
    name: str
    options: tuple[Any, ...]
    description: str = ""


def width_options(maximum: int, step: int = CHANNEL_MULTIPLE) -> tuple[int, ...]:
    """Channel counts step, 2·step, …, maximum."""
    return tuple(range(step, maximum + 1, step))


def percent_width(base: int, percent: int) -> int:
    """``percent``% of a base width, rounded to the nearest multiple of 4 (at least 4)."""
    value = base * percent / 100
    return max(CHANNEL_MULTIPLE, int(round(value / CHANNEL_MULTIPLE)) * CHANNEL_MULTIPLE)


class SearchSpace(ABC):
    """A backbone whose architectures are fixed by one option per decision."""

    name: str = ""
    description: str = ""
    input_shape: tuple[int, int, int] = (1, 1, 1)
    num_classes: int = 1

    @abstractmethod
    def decisions(self) -> list[Decision]:
        """Every decision, in a fixed order."""

    @abstractmethod
    def _build(self, choices: Mapping[str, Any]) -> ArchSpec:
        """Build the spec from complete, checked choices."""

    @abstractmethod
    def minimum_choices(self) -> dict[str, Any]:
        """The choices of the smallest architecture (fewest ops, parameters and working memory)."""

    # ------------------------------------------------------------------ shared behaviour
    def decision_map(self) -> dict[str, Decision]:
        return {d.name: d for d in self.decisions()}

    def check_choices(self, choices: Mapping[str, Any]) -> dict[str, Any]:
        decisions = self.decision_map()
        for key in choices:
            if key not in decisions:
                raise ChoiceError(f"choices.{key}", f"unknown decision for space {self.name!r}")
        out: dict[str, Any] = {}
        for name, decision in decisions.items():
            if name not in choices:
                raise ChoiceError(f"choices.{name}", f"missing; options are {_short(decision.options)}")
            value = choices[name]
            if type(value) is not type(decision.options[0]) or value not in decision.options:
                raise ChoiceError(f"choices.{name}", f"{value!r} is not an option; options are {_short(decision.options)}")
            out[name] = value
        return out

    def build(self, choices: Mapping[str, Any], name: str = "") -> ArchSpec:
        checked = self.check_choices(choices)
        spec = self._build(checked)
        spec = ArchSpec(spec.input_shape, spec.layers, spec.num_classes, name or spec.name, self.name, checked)
        spec.validate()
        return spec

    def minimum_spec(self) -> ArchSpec:
        return self.build(self.minimum_choices(), name=f"{self.name}-minimum")

    def check_spec(self, spec: ArchSpec) -> None:
        """Raise :class:`SpecError` if the spec's input or classes do not match this space."""
        spec.validate()
        if tuple(spec.input_shape) != tuple(self.input_shape):
            raise SpecError(
                "input_shape", f"space {self.name!r} expects {list(self.input_shape)}, got {list(spec.input_shape)}"
            )
        if spec.num_classes != self.num_classes:
            raise SpecError("num_classes", f"space {self.name!r} expects {self.num_classes}, got {spec.num_classes}")

    def size(self) -> int:
        """Number of distinct choice dicts (not distinct graphs)."""
        n = 1
        for d in self.decisions():
            n *= len(d.options)
        return n

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input_shape": list(self.input_shape),
            "num_classes": self.num_classes,
            "decisions": [
                {"name": d.name, "options": list(d.options), "description": d.description} for d in self.decisions()
            ],
            "choice_combinations": self.size(),
        }


def _short(options: tuple[Any, ...]) -> str:
    if len(options) <= 12:
        return str(list(options))
    return f"[{options[0]!r}, {options[1]!r}, …, {options[-1]!r}] ({len(options)} options)"
