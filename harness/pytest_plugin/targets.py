"""The runtime's targets with what a test suite needs on top: a record of the plans put on a board
(for the JUnit properties of the test that put them there)."""

from __future__ import annotations

from typing import Any

from harness.runtime.model_prep import PreparedModel
from harness.runtime.targets import HardwareTarget, TwinTarget


class _RecordsPlans:
    """Mixin: remembers the hash of every plan loaded onto the target."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.loaded_plans: list[str] = []

    def load(self, model: PreparedModel) -> None:
        super().load(model)  # type: ignore[misc]
        self.loaded_plans.append(model.plan.plan_hash)


class PluginTwinTarget(_RecordsPlans, TwinTarget):
    """A twin that remembers the plans it was given."""


class PluginHardwareTarget(_RecordsPlans, HardwareTarget):
    """A real board that remembers the plans it was given."""
