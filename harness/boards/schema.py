"""Board definitions: the dataclasses a board file becomes, and their validation.

A board file is TOML with the tables ``[core]``, ``[memory]``, ``[console]``, ``[probe]`` and
``[twin]``. Every error names the file, the dotted field and what was expected.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Cortex-M system address map (ARMv7-M ARM B3.1): the code region (flash) and the SRAM region
# are 0.5 GB each. Anything larger cannot be addressed by the core.
CORTEX_M_REGION_BYTES = 0x2000_0000

KNOWN_CORES = {"cortex-m4", "cortex-m7"}
KNOWN_FPUS = {"none", "fpv4-sp-d16", "fpv5-sp-d16", "fpv5-d16"}
# QEMU machines the twin firmware supports, with the core each one emulates.
TWIN_MACHINES = {"mps2-an386": "cortex-m4", "mps2-an500": "cortex-m7"}
TIMING_MODELS = {"cortex-m4", "cortex-m7"}


class BoardFileError(ValueError):
    """A board file that cannot be used; the message names the file and the field."""

    def __init__(self, path: Path | str, field_name: str, message: str):
        self.path = Path(path)
        self.field_name = field_name
        super().__init__(f"{path}: {field_name}: {message}")


@dataclass(frozen=True)
class CoreSpec:
    name: str
    fpu: str
    dsp: bool
    clock_hz: int


@dataclass(frozen=True)
class MemorySpec:
    sram_bytes: int
    flash_bytes: int
    flash_wait_states: int
    icache_bytes: int = 0
    dcache_bytes: int = 0
    # Where flash and SRAM start in the core's address map (STM32: 0x08000000, nRF52: 0x0).
    flash_base: int = 0x0800_0000
    sram_base: int = 0x2000_0000
    # The plan slot: whole erase sectors of flash after the firmware that hold the compiled model,
    # so the firmware is built once per board. Offset from flash_base; the twin puts the slot at the
    # same offset in its code memory. plan_slot_bytes = 0 means "to the end of flash".
    plan_slot_offset: int = 0x0002_0000
    plan_slot_bytes: int = 0

    @property
    def plan_slot_size(self) -> int:
        return self.plan_slot_bytes or (self.flash_bytes - self.plan_slot_offset)


@dataclass(frozen=True)
class ConsoleSpec:
    uart: str
    tx_pin: str
    rx_pin: str
    baud: int = 115_200


@dataclass(frozen=True)
class ProbeSpec:
    kind: str
    usb_vid: int
    usb_pid: int
    pyocd_target: str
    pack: str = ""
    alt_usb_pids: tuple[int, ...] = ()
    auto_unlock: bool = False

    def matches_usb(self, vid: int | None, pid: int | None) -> bool:
        return vid == self.usb_vid and (pid == self.usb_pid or pid in self.alt_usb_pids)


@dataclass(frozen=True)
class TwinSpec:
    """The emulated twin: same clock and memory limits as the board, on a QEMU machine."""

    qemu_machine: str
    cpu: str
    timing_model: str


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    mcu: str
    family: str
    core: CoreSpec
    memory: MemorySpec
    console: ConsoleSpec
    probe: ProbeSpec
    twin: TwinSpec
    source: Path = field(default=Path("<builtin>"), compare=False)

    @property
    def clock_hz(self) -> int:
        return self.core.clock_hz

    @property
    def sram_bytes(self) -> int:
        return self.memory.sram_bytes

    @property
    def flash_bytes(self) -> int:
        return self.memory.flash_bytes

    @property
    def twin_name(self) -> str:
        return f"{self.name}@twin"


_SECTIONS: dict[str, type] = {
    "core": CoreSpec,
    "memory": MemorySpec,
    "console": ConsoleSpec,
    "probe": ProbeSpec,
    "twin": TwinSpec,
}
_TOP_LEVEL = {"name", "description", "mcu", "family"}


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is tuple:
        return f"a list of {_type_name(typing.get_args(tp)[0])}"
    return {int: "an integer", str: "a string", bool: "true or false"}.get(tp, str(tp))


def _check_value(path: Path, dotted: str, value: Any, tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is tuple:
        item_tp = typing.get_args(tp)[0]
        if not isinstance(value, list):
            raise BoardFileError(path, dotted, f"expected {_type_name(tp)}, got {value!r}")
        return tuple(_check_value(path, f"{dotted}[{i}]", v, item_tp) for i, v in enumerate(value))
    if isinstance(tp, types.UnionType):  # pragma: no cover - no unions in the schema today
        raise TypeError(tp)
    ok = isinstance(value, tp) and not (tp is int and isinstance(value, bool))
    if not ok:
        raise BoardFileError(path, dotted, f"expected {_type_name(tp)}, got {value!r}")
    return value


def _build_section(path: Path, section: str, raw: Any, cls: type) -> Any:
    if not isinstance(raw, dict):
        raise BoardFileError(path, section, f"expected a table [{section}], got {raw!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise BoardFileError(
            path, f"{section}.{unknown[0]}", f"unknown key; expected one of {sorted(fields)}"
        )
    values = {}
    for name, f in fields.items():
        dotted = f"{section}.{name}"
        if name not in raw:
            has_default = (
                f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            )
            if not has_default:
                raise BoardFileError(path, dotted, f"missing; expected {_type_name(hints[name])}")
            continue
        values[name] = _check_value(path, dotted, raw[name], hints[name])
    return cls(**values)


def _positive(path: Path, dotted: str, value: int) -> None:
    if value <= 0:
        raise BoardFileError(path, dotted, f"expected a positive integer, got {value}")


def _validate(board: Board) -> None:
    path = board.source
    if board.core.name not in KNOWN_CORES:
        raise BoardFileError(path, "core.name", f"expected one of {sorted(KNOWN_CORES)}, got {board.core.name!r}")
    if board.core.fpu not in KNOWN_FPUS:
        raise BoardFileError(path, "core.fpu", f"expected one of {sorted(KNOWN_FPUS)}, got {board.core.fpu!r}")
    _positive(path, "core.clock_hz", board.core.clock_hz)
    if board.core.clock_hz > 1_000_000_000:
        raise BoardFileError(path, "core.clock_hz", f"expected at most 1 GHz for a Cortex-M, got {board.core.clock_hz}")
    for name in ("sram_bytes", "flash_bytes"):
        value = getattr(board.memory, name)
        _positive(path, f"memory.{name}", value)
        if value > CORTEX_M_REGION_BYTES:
            raise BoardFileError(
                path,
                f"memory.{name}",
                f"{value} bytes is larger than the {CORTEX_M_REGION_BYTES} bytes a Cortex-M core "
                f"can address in that region",
            )
    if not 0 <= board.memory.flash_wait_states <= 15:
        raise BoardFileError(path, "memory.flash_wait_states", f"expected 0..15, got {board.memory.flash_wait_states}")
    for name in ("icache_bytes", "dcache_bytes"):
        if getattr(board.memory, name) < 0:
            raise BoardFileError(path, f"memory.{name}", "expected a non-negative integer")
    for name in ("flash_base", "sram_base"):
        value = getattr(board.memory, name)
        if not 0 <= value < 2**32 or value % 4:
            raise BoardFileError(path, f"memory.{name}", f"expected a word-aligned 32-bit address, got {value:#x}")
    mem = board.memory
    if not 0 < mem.plan_slot_offset < mem.flash_bytes or mem.plan_slot_offset % 4096:
        raise BoardFileError(
            path,
            "memory.plan_slot_offset",
            f"expected a 4 KB-aligned offset inside the {mem.flash_bytes}-byte flash, got {mem.plan_slot_offset:#x}",
        )
    if mem.plan_slot_bytes < 0 or mem.plan_slot_offset + mem.plan_slot_size > mem.flash_bytes:
        raise BoardFileError(
            path,
            "memory.plan_slot_bytes",
            f"the plan slot {mem.plan_slot_offset:#x}+{mem.plan_slot_size:#x} does not fit the {mem.flash_bytes}-byte flash",
        )
    _positive(path, "console.baud", board.console.baud)
    for name in ("usb_vid", "usb_pid"):
        value = getattr(board.probe, name)
        if not 0 <= value <= 0xFFFF:
            raise BoardFileError(path, f"probe.{name}", f"expected a 16-bit USB id, got {value:#x}")
    if board.twin.qemu_machine not in TWIN_MACHINES:
        raise BoardFileError(
            path, "twin.qemu_machine", f"unknown QEMU machine {board.twin.qemu_machine!r}; expected one of {sorted(TWIN_MACHINES)}"
        )
    machine_core = TWIN_MACHINES[board.twin.qemu_machine]
    if board.twin.cpu != machine_core:
        raise BoardFileError(path, "twin.cpu", f"QEMU machine {board.twin.qemu_machine} emulates {machine_core}, got {board.twin.cpu!r}")
    if board.twin.cpu != board.core.name:
        raise BoardFileError(path, "twin.cpu", f"the twin must emulate the board's core {board.core.name!r}, got {board.twin.cpu!r}")
    if board.twin.timing_model not in TIMING_MODELS:
        raise BoardFileError(path, "twin.timing_model", f"expected one of {sorted(TIMING_MODELS)}, got {board.twin.timing_model!r}")


def parse_board(raw: dict[str, Any], path: Path | str = "<memory>") -> Board:
    """Build and validate a Board from the parsed TOML of a board file."""
    path = Path(path)
    unknown = sorted(set(raw) - _TOP_LEVEL - set(_SECTIONS))
    if unknown:
        raise BoardFileError(
            path, unknown[0], f"unknown key; expected one of {sorted(_TOP_LEVEL | set(_SECTIONS))}"
        )
    top = {}
    for key in sorted(_TOP_LEVEL):
        if key not in raw:
            raise BoardFileError(path, key, "missing; expected a string")
        top[key] = _check_value(path, key, raw[key], str)
    sections = {}
    for section, cls in _SECTIONS.items():
        if section not in raw:
            raise BoardFileError(path, section, f"missing table [{section}]")
        sections[section] = _build_section(path, section, raw[section], cls)
    board = Board(**top, **sections, source=path)
    _validate(board)
    return board


def load_board_file(path: Path | str) -> Board:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BoardFileError(path, "<toml>", f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise BoardFileError(path, "<file>", f"cannot read: {exc.strerror}") from None
    board = parse_board(raw, path)
    if board.name != path.stem:
        raise BoardFileError(path, "name", f"expected the file's stem {path.stem!r}, got {board.name!r}")
    return board
