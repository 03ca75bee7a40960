"""Flash real boards through pyOCD: the firmware image once, the plan slot per model.

The only part of tinyhil that needs a physical probe. It is a thin driver over pyOCD's public
API (``ConnectHelper.session_with_chosen_probe``, ``FileProgrammer``, ``target.reset``,
``target.read_memory_block8``), so the calls it makes can be checked against pyOCD's own
signatures without a probe (tests/flashing).

Rules from the board facts:
- the probe is chosen by unique ID (= the ST-LINK's USB serial number), never "the first one";
- ``resume_on_disconnect=False``: otherwise pyOCD clears DEMCR.TRCENA on disconnect and the
  DWT cycle counter the firmware times with stops;
- the J-Link OB of the nRF52840 DK reports target "n/a": the target is always given explicitly;
- nRF52 read-back protection may need ``auto_unlock`` (mass erase).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.boards.schema import Board

log = logging.getLogger(__name__)

class FlashError(RuntimeError):
    pass


@dataclass(frozen=True)
class FlashRequest:
    image: Path
    address: int
    what: str  # "firmware" or "plan"


def _default_session_factory(**kwargs: Any) -> Any:
    from pyocd.core.helpers import ConnectHelper

    return ConnectHelper.session_with_chosen_probe(**kwargs)


def _default_programmer_factory(session: Any, **kwargs: Any) -> Any:
    from pyocd.flash.file_programmer import FileProgrammer

    return FileProgrammer(session, **kwargs)


class PyOcdFlasher:
    """Flashes one board, identified by its probe's unique ID."""

    def __init__(
        self,
        board: Board,
        probe_id: str,
        *,
        pack: Path | None = None,
        frequency_hz: int = 4_000_000,
        session_factory: Callable[..., Any] = _default_session_factory,
        programmer_factory: Callable[..., Any] = _default_programmer_factory,
    ):
        if not probe_id:
            raise FlashError(f"{board.name}: a probe unique ID is required (see `tinyhil doctor`)")
        self.board = board
        self.probe_id = probe_id
        self.pack = pack
        self.frequency_hz = frequency_hz
        self._session_factory = session_factory
        self._programmer_factory = programmer_factory

    @property
    def flash_base(self) -> int:
        return self.board.memory.flash_base

    @property
    def plan_slot_address(self) -> int:
        return self.board.memory.flash_base + self.board.memory.plan_slot_offset

    def session_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "target_override": self.board.probe.pyocd_target,
            "resume_on_disconnect": False,
            "auto_unlock": self.board.probe.auto_unlock,
            "frequency": self.frequency_hz,
            "connect_mode": "halt",
        }
        if self.pack is not None:
            options["pack"] = str(self.pack)
        elif self.board.probe.pack:
            log.info("%s: pyOCD target %s needs the %s CMSIS pack (`pyocd pack install %s`)",
                     self.board.name, self.board.probe.pyocd_target, self.board.probe.pack,
                     self.board.probe.pyocd_target)
        return options

    def _open(self) -> Any:
        session = self._session_factory(
            blocking=False, return_first=False, unique_id=self.probe_id, options=self.session_options()
        )
        if session is None:
            raise FlashError(f"{self.board.name}: probe {self.probe_id} is not connected (see `tinyhil doctor`)")
        return session

    def read(self, address: int, length: int) -> bytes:
        """Read flash or RAM through the probe (e.g. the firmware identity block)."""
        with self._open() as session:
            return bytes(session.target.read_memory_block8(address, length))

    def program(self, requests: list[FlashRequest]) -> None:
        """Write each image at its address (sector erase only where written), then reset and run."""
        for req in requests:
            if not req.image.is_file():
                raise FlashError(f"{self.board.name}: {req.what} image {req.image} does not exist")
            end = req.address + req.image.stat().st_size
            if req.address < self.flash_base or end > self.flash_base + self.board.flash_bytes:
                raise FlashError(
                    f"{self.board.name}: {req.what} image {req.image} ({req.image.stat().st_size} bytes at "
                    f"{req.address:#x}) does not fit the board's flash {self.flash_base:#x}+{self.board.flash_bytes:#x}"
                )
        with self._open() as session:
            for req in requests:
                log.info("%s: flashing %s %s at %#x", self.board.name, req.what, req.image, req.address)
                programmer = self._programmer_factory(session, chip_erase="sector", smart_flash=True, no_reset=True)
                try:
                    programmer.program(str(req.image), file_format="bin", base_address=req.address)
                except Exception as exc:  # pyOCD raises several of its own types
                    raise FlashError(f"{self.board.name}: flashing {req.what} failed: {exc}") from exc
            session.target.reset()

    def reset(self) -> None:
        with self._open() as session:
            session.target.reset()
