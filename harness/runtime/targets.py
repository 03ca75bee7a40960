"""A board to run models on, real or emulated, behind one small interface.

A target composes the parts in the manner of pytest-embedded's services: a firmware image (built
once per board), a way to put a plan on the board (QEMU's loader for a twin; pyOCD writing only
the plan slot for a real board), the DUT protocol client, and a timing source (the twin's timing
plugin, or the DWT cycle counter read through the protocol).
"""

from __future__ import annotations

import logging
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.boards.schema import Board
from harness.dut.client import DutClient
from harness.firmware.build import FirmwareImage, build_firmware
from harness.firmware.plan_slot import pack_plan_slot, write_plan_slot
from harness.flashing.pyocd_flasher import FlashRequest, PyOcdFlasher
from harness.runtime.model_prep import PreparedModel
from harness.timing.record import TimingRecord
from harness.twin.session import TwinSession

log = logging.getLogger(__name__)


ARENA_ALIGN = 16  # the firmware rounds the plan's arena up to this (TH_ARENA_ALIGN)


class TargetError(RuntimeError):
    """A target could not be brought to a usable state."""


@dataclass(frozen=True)
class TimingSample:
    cycles: int
    instructions: int | None


class Target(ABC):
    """One board (or twin) that runs one plan at a time."""

    board: Board
    is_twin: bool
    image: FirmwareImage

    @property
    def name(self) -> str:
        """The name measurements are stored under: ``board`` or ``board@twin``."""
        return self.board.twin_name if self.is_twin else self.board.name

    @property
    def source(self) -> str:
        return "emulated" if self.is_twin else "measured"

    @property
    @abstractmethod
    def client(self) -> DutClient: ...

    @abstractmethod
    def boot(self) -> None:
        """Bring the board up with whatever plan it has (a twin: an empty plan slot)."""

    @abstractmethod
    def load(self, model: PreparedModel) -> None:
        """Make ``model``'s plan the one the board runs, and leave the board booted and ready."""

    @abstractmethod
    def timed_inferences(self, expected: int) -> list[TimingSample]:
        """Per-inference cycles of the last ``expected`` timed inferences."""

    @abstractmethod
    def recover(self) -> None:
        """Bring the board back after a fault (the next load starts it afresh)."""

    @abstractmethod
    def close(self) -> None: ...

    def fit_problem(self, model: PreparedModel) -> str | None:
        """Why ``model`` cannot run on this board (SRAM or plan slot), or None when it fits."""
        arena = (model.plan.arena_bytes + ARENA_ALIGN - 1) // ARENA_ALIGN * ARENA_ALIGN
        need = arena + model.plan.input.nbytes
        have = self.image.size.arena
        if need > have:
            return (f"{model.name} needs {arena} B of arena + {model.plan.input.nbytes} B of input buffer = {need} B; "
                    f"the {self.board.name} firmware leaves {have} B of its {self.board.sram_bytes} B SRAM")
        slot = len(pack_plan_slot(model.plan.blob, model.name[:32]))
        if slot > self.image.plan_slot_bytes:
            return f"{model.name}: plan of {slot} B does not fit the {self.image.plan_slot_bytes} B plan slot of {self.board.name}"
        return None

    def console_excerpt(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.client.recent_lines[-lines:])
        except Exception:  # no client (it never started): nothing to show
            return ""

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TwinTarget(Target):
    """A board's emulated twin. Each plan gets a fresh QEMU (about 0.05 s), which also makes
    recovery after any fault a restart."""

    is_twin = True

    def __init__(self, board: Board, *, image: FirmwareImage | None = None, workdir: Path | None = None,
                 boot_timeout: float = 15.0, command_timeout: float = 10.0,
                 console_url: Callable[[int], str] | None = None):
        self.board = board
        self.console_url = console_url
        self.image = image or build_firmware(board, "twin")
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"tinyhil-{board.name}-twin-"))
        self.boot_timeout = boot_timeout
        self.command_timeout = command_timeout
        self._session: TwinSession | None = None
        self._loaded_plan: str | None = None
        self._n = 0

    @property
    def session(self) -> TwinSession:
        if self._session is None:
            raise TargetError(f"{self.name}: no model loaded")
        return self._session

    @property
    def client(self) -> DutClient:
        return self.session.client

    def _start(self, tag: str, plan: bytes | None, model_name: str) -> None:
        self._n += 1
        session = TwinSession(
            self.image, plan=plan, model=model_name[:32], board=self.board, timing=True,
            workdir=self.workdir / f"{self._n:05d}-{tag}", boot_timeout=self.boot_timeout,
            command_timeout=self.command_timeout, console_url=self.console_url,
        )
        self._session = session.start()

    def boot(self) -> None:
        """Start the twin with an empty plan slot unless a session exists (a session that died stays
        dead, so its crash can be seen, until recover())."""
        if self._session is None:
            self._start("boot", None, "")

    def load(self, model: PreparedModel) -> None:
        if self._session is not None and self._session.alive() and self._loaded_plan == model.plan.plan_hash:
            return
        self._stop()
        self._start(model.hash, model.plan.blob, model.name)
        self._loaded_plan = model.plan.plan_hash
        info = self.client.plan()
        if not info.ok:
            raise TargetError(f"{self.name}: firmware refused the plan of {model.name}: status {info.status}")

    def timed_inferences(self, expected: int) -> list[TimingSample]:
        regions: list[TimingRecord] = self.session.read_new_regions()
        if len(regions) < expected:
            raise TargetError(
                f"{self.name}: the timing plugin recorded {len(regions)} inference regions, expected {expected}"
            )
        return [TimingSample(r.cycles, r.instructions) for r in regions[-expected:]]

    def discard_timings(self) -> None:
        self.session.read_new_regions()

    def _stop(self) -> None:
        if self._session is not None:
            self._session.stop()
            self._session = None
            self._loaded_plan = None

    def recover(self) -> None:
        self._stop()

    def close(self) -> None:
        self._stop()
        close_console = getattr(self.console_url, "close", None)
        if close_console is not None:
            close_console()


class HardwareTarget(Target):
    """A real board: flashed through pyOCD only when its firmware or plan differs, timed by DWT."""

    is_twin = False

    def __init__(self, board: Board, *, port: str, probe_id: str, image: FirmwareImage | None = None,
                 flasher: PyOcdFlasher | None = None, workdir: Path | None = None,
                 boot_timeout: float = 10.0, command_timeout: float = 10.0):
        self.board = board
        self.port = port
        self.image = image or build_firmware(board, "real")
        self.flasher = flasher or PyOcdFlasher(board, probe_id)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"tinyhil-{board.name}-"))
        self.boot_timeout = boot_timeout
        self.command_timeout = command_timeout
        self._client: DutClient | None = None

    @property
    def client(self) -> DutClient:
        if self._client is None:
            self._client = DutClient.open(self.port, baudrate=self.board.console.baud,
                                          log_path=self.workdir / "console.log", timeout=self.command_timeout,
                                          open_timeout=self.boot_timeout)
        return self._client

    def _reboot(self) -> None:
        self._disconnect()
        self.flasher.reset()
        self.client.wait_boot(timeout=self.boot_timeout)

    def ensure_firmware(self) -> None:
        identity = self.client.identity()
        # The firmware reports the first 16 hex digits of its build hash (TH_FW_ID).
        if not self.image.hash.startswith(identity.firmware):
            log.info("%s: firmware %s on the board, %s wanted: flashing", self.name, identity.firmware, self.image.hash)
            self._disconnect()
            self.flasher.program([FlashRequest(self.image.bin, self.flasher.flash_base, "firmware")])
            self.client.wait_boot(timeout=self.boot_timeout)

    def boot(self) -> None:
        self.ensure_firmware()

    def load(self, model: PreparedModel) -> None:
        self.ensure_firmware()
        info = self.client.plan()
        if info.ok and info.plan_hash is not None and f"{info.plan_hash:08x}" == model.plan.plan_hash:
            return
        slot = write_plan_slot(self.workdir / "plan_slot.bin", model.plan.blob, model.name[:32],
                               slot_bytes=self.image.plan_slot_bytes)
        self._disconnect()
        self.flasher.program([FlashRequest(slot, self.image.plan_slot_addr, "plan")])
        self.client.wait_boot(timeout=self.boot_timeout)
        info = self.client.plan()
        if not info.ok:
            raise TargetError(f"{self.name}: firmware refused the plan of {model.name}: status {info.status}")

    def timed_inferences(self, expected: int) -> list[TimingSample]:
        stats = self.client.cycles()
        if stats.count != expected:
            raise TargetError(f"{self.name}: DWT timed {stats.count} inferences, expected {expected}")
        # The firmware keeps min, max and total; the per-inference list is summarised by them.
        mean = round(stats.total / stats.count)
        samples = [stats.minimum, stats.maximum] + [mean] * (expected - 2) if expected >= 2 else [mean]
        return [TimingSample(c, None) for c in samples]

    def discard_timings(self) -> None:
        return None

    def _disconnect(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def recover(self) -> None:
        self._reboot()

    def close(self) -> None:
        self._disconnect()
