"""The session's boards: where each one is (resource), the target that drives it (driver), and its
health (labgrid-style states: a board that keeps failing is marked broken and skipped).

Resources are resolved once per session: a twin is always there; a real board is found by its
probe and console paired by USB serial number (or the --port/--probe-id given for it). Targets are
made on first use and kept for the session; a test that ends in a board fault leaves its board to
be recovered (twin: restarted; real board: reset) before the next test uses it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.pytest_plugin.selection import BoardSpec
from harness.runtime.attach import BoardNotAttached, Connection, find_connection
from harness.runtime.board_health import BoardHealth, BoardState

if TYPE_CHECKING:
    from harness.runtime.targets import Target

log = logging.getLogger(__name__)

# Given a board name, the console URL mapping for its twin (None: QEMU's socket directly).
ConsoleFactory = Callable[[str], Callable[[int], str] | None]


def board_fault_types() -> tuple[type[BaseException], ...]:
    """Exceptions that mean the board (or its link, or its probe) failed rather than the test's expectation."""
    from harness.dut.errors import DutError
    from harness.flashing.pyocd_flasher import FlashError
    from harness.runtime.targets import TargetError
    from harness.twin.session import TwinError

    return (DutError, TwinError, TargetError, FlashError)


def find_board_fault(exc: BaseException | None) -> BaseException | None:
    """``exc`` or the first exception it was raised from that is a board fault."""
    faults = board_fault_types()
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, faults):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


@dataclass
class BoardPool:
    """Every board the session has touched. One per pytest session (kept in the config's stash)."""

    ports: dict[str, str] = field(default_factory=dict)
    probe_ids: dict[str, str] = field(default_factory=dict)
    max_consecutive_failures: int = 3
    boot_timeout_s: float = 15.0
    command_timeout_s: float = 10.0
    workroot_parent: Callable[[], Path] | None = None  # None: a temporary directory, removed at close
    _workroot: Path | None = None
    _connections: dict[BoardSpec, Connection | BoardNotAttached] = field(default_factory=dict)
    _targets: dict[BoardSpec, Target] = field(default_factory=dict)
    _health: dict[str, BoardHealth] = field(default_factory=dict)
    _needs_recovery: set[BoardSpec] = field(default_factory=set)

    # ---- resources ---------------------------------------------------------------------------

    def connection(self, spec: BoardSpec) -> Connection:
        """Where ``spec`` is; raises BoardNotAttached (remembered for the session) when it is not."""
        if spec not in self._connections:
            try:
                self._connections[spec] = find_connection(
                    spec.name, twin=spec.twin, port=self.ports.get(spec.name), probe_id=self.probe_ids.get(spec.name)
                )
            except BoardNotAttached as exc:
                self._connections[spec] = exc
            except Exception as exc:  # discovery itself failed (pyOCD, libusb): as good as not attached
                self._connections[spec] = BoardNotAttached(f"{spec.name}: probe discovery failed: {exc}")
        found = self._connections[spec]
        if isinstance(found, BoardNotAttached):
            raise found
        return found

    def health(self, spec: BoardSpec) -> BoardHealth:
        name = spec.target_name
        if name not in self._health:
            self._health[name] = BoardHealth(name, max_consecutive_failures=self.max_consecutive_failures)
        return self._health[name]

    def skip_reason(self, spec: BoardSpec) -> str | None:
        """Why no test may use ``spec`` now: not attached, or marked broken."""
        health = self.health(spec)
        if not health.usable:
            return health.skip_reason()
        try:
            self.connection(spec)
        except BoardNotAttached as exc:
            hint = "" if spec.twin else f"; run with --twin (or --board {spec.name}@twin) to use its emulated twin"
            return f"{spec.target_name} is not attached: {exc}{hint}"
        return None

    # ---- drivers -----------------------------------------------------------------------------

    @property
    def workroot(self) -> Path:
        if self._workroot is None:
            if self.workroot_parent is not None:
                self._workroot = self.workroot_parent()
                self._workroot.mkdir(parents=True, exist_ok=True)
            else:
                self._workroot = Path(tempfile.mkdtemp(prefix="tinyhil-pytest-"))
        return self._workroot

    def existing_target(self, spec: BoardSpec) -> Target | None:
        return self._targets.get(spec)

    def target(self, spec: BoardSpec, console_factory: ConsoleFactory | None = None) -> Target:
        """The target driving ``spec``, made on first use; recovered first if its last test faulted."""
        from harness.pytest_plugin.targets import PluginHardwareTarget, PluginTwinTarget

        target = self._targets.get(spec)
        if target is None:
            conn = self.connection(spec)
            board = spec.definition()
            workdir = self.workroot / spec.target_name.replace("@", "-")
            if conn.twin:
                console = console_factory(spec.name) if console_factory else None
                target = PluginTwinTarget(board, workdir=workdir, console_url=console,
                                          boot_timeout=self.boot_timeout_s, command_timeout=self.command_timeout_s)
            else:
                target = PluginHardwareTarget(board, port=conn.port, probe_id=conn.probe_id, workdir=workdir,
                                              boot_timeout=self.boot_timeout_s, command_timeout=self.command_timeout_s)
            self._targets[spec] = target
            self._needs_recovery.discard(spec)
        return target

    def recover_if_needed(self, spec: BoardSpec) -> None:
        """Recover ``spec``'s target if its last test ended in a board fault (twin: restart; board: reset)."""
        target = self._targets.get(spec)
        if target is not None and spec in self._needs_recovery:
            self._needs_recovery.discard(spec)
            log.info("%s: recovering after a board fault", spec.target_name)
            try:
                target.recover()
            except board_fault_types():
                raise
            except Exception as exc:  # e.g. pyOCD cannot reach the probe: still the board's fault
                from harness.runtime.targets import TargetError

                raise TargetError(f"{spec.target_name}: recovery after a board fault failed: {exc}") from exc

    def release(self, spec: BoardSpec) -> None:
        """Stop using the target for now (its QEMU stops / its port closes); it reopens on next use."""
        target = self._targets.get(spec)
        if target is not None:
            target.close()

    # ---- health ------------------------------------------------------------------------------

    def record_failure(self, spec: BoardSpec, error: str) -> BoardState:
        self._needs_recovery.add(spec)
        state = self.health(spec).record_failure(error)
        if state is BoardState.BROKEN:
            log.warning("%s marked broken: %s", spec.target_name, error)
            self.release(spec)
        return state

    def record_success(self, spec: BoardSpec) -> None:
        self.health(spec).record_success()

    def health_records(self) -> list[BoardHealth]:
        return list(self._health.values())

    def close(self) -> None:
        for spec, target in list(self._targets.items()):
            try:
                target.close()
            except Exception as exc:  # closing must not hide the session's real outcome
                log.warning("%s: closing failed: %s", spec.target_name, exc)
        self._targets.clear()
        if self._workroot is not None and self.workroot_parent is None:
            shutil.rmtree(self._workroot, ignore_errors=True)
        self._workroot = None
