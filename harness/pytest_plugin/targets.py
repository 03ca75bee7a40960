"""The runtime's targets with the two things a test suite needs on top: booting a board without
loading a model (to talk to its console straight away), and a record of the plans put on it (for
the JUnit properties of the test that put them there)."""

from __future__ import annotations

from harness.runtime.model_prep import PreparedModel
from harness.runtime.targets import HardwareTarget, TwinTarget
from harness.twin.session import TwinSession


class PluginTwinTarget(TwinTarget):
    """A twin that can run with an empty plan slot, and remembers the plans it was given."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded_plans: list[str] = []

    def boot(self) -> None:
        """Start QEMU with an empty plan slot if no session runs yet (after a load, the session of
        that plan stays; a session that died stays dead, so the test sees the crash, until recover())."""
        if self._session is not None:
            return
        self._n += 1
        session = TwinSession(
            self.image, board=self.board, timing=True, workdir=self.workdir / f"{self._n:05d}-boot",
            boot_timeout=self.boot_timeout, command_timeout=self.command_timeout, console_url=self.console_url,
        )
        self._session = session.start()

    def load(self, model: PreparedModel) -> None:
        super().load(model)
        self.loaded_plans.append(model.plan.plan_hash)


class PluginHardwareTarget(HardwareTarget):
    """A real board that checks its firmware on boot and remembers the plans it was given."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded_plans: list[str] = []

    def boot(self) -> None:
        self.ensure_firmware()

    def load(self, model: PreparedModel) -> None:
        super().load(model)
        self.loaded_plans.append(model.plan.plan_hash)
