"""What is attached: debug probes (through pyOCD) and serial ports (through pyserial).

Resources describe what exists; drivers (flasher, console) act on them. A real board is a
probe and a console paired by USB serial number: the ST-LINK's unique ID is the serial number
of its virtual COM port, and the J-Link OB's likewise. Never pair by /dev/ttyACMn order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from harness.boards.schema import Board

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProbeResource:
    unique_id: str
    description: str
    vendor: str = ""
    product: str = ""
    usb_vid: int | None = None
    usb_pid: int | None = None


@dataclass(frozen=True)
class SerialPortResource:
    device: str
    serial_number: str | None
    usb_vid: int | None
    usb_pid: int | None
    description: str = ""


@dataclass(frozen=True)
class AttachedBoard:
    """A probe and its console, and the catalog boards whose probe type matches."""

    probe: ProbeResource
    port: SerialPortResource | None
    candidates: tuple[str, ...]


class DiscoveryError(RuntimeError):
    pass


def list_probes() -> list[ProbeResource]:
    """Probes pyOCD can see now. Raises DiscoveryError if pyOCD itself fails."""
    try:
        from pyocd.core.helpers import ConnectHelper
    except ImportError as exc:  # pragma: no cover - pyocd is a pinned dependency
        raise DiscoveryError(f"pyOCD is not importable: {exc}") from None
    try:
        probes = ConnectHelper.get_all_connected_probes(blocking=False, print_wait_message=False)
    except Exception as exc:  # pyOCD surfaces libusb/backends errors as many types
        raise DiscoveryError(f"pyOCD could not enumerate probes: {exc}") from None
    out = []
    for p in probes:
        out.append(
            ProbeResource(
                unique_id=str(p.unique_id),
                description=str(getattr(p, "description", "")),
                vendor=str(getattr(p, "vendor_name", "")),
                product=str(getattr(p, "product_name", "")),
            )
        )
    return out


def list_serial_ports() -> list[SerialPortResource]:
    from serial.tools import list_ports

    return [
        SerialPortResource(
            device=p.device,
            serial_number=p.serial_number,
            usb_vid=p.vid,
            usb_pid=p.pid,
            description=p.description or "",
        )
        for p in list_ports.comports()
    ]


def _normalise_serial(serial: str | None) -> str:
    # J-Link reports a zero-padded decimal serial on USB and pyOCD strips the padding.
    return (serial or "").strip().lstrip("0").upper()


def pair_probes_and_ports(
    probes: Iterable[ProbeResource],
    ports: Iterable[SerialPortResource],
    boards: Iterable[Board],
) -> list[AttachedBoard]:
    """Pair each probe with the serial port that has the same USB serial number."""
    ports = list(ports)
    boards = list(boards)
    attached = []
    for probe in probes:
        key = _normalise_serial(probe.unique_id)
        port = next((p for p in ports if key and _normalise_serial(p.serial_number) == key), None)
        vid = port.usb_vid if port else probe.usb_vid
        pid = port.usb_pid if port else probe.usb_pid
        candidates = tuple(b.name for b in boards if b.probe.matches_usb(vid, pid))
        attached.append(AttachedBoard(probe=probe, port=port, candidates=candidates))
    return attached
