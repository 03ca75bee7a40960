"""Which boards a test runs on: board sets from the command line, and the markers that filter them.

A *board set* is what one test instance gets: one board, or several (``a|b``) for a test that
drives several DUTs at once. Each ``--board`` value is one set, and every test that uses a board
fixture runs once per set. A name ending in ``@twin`` is that board's emulated twin; ``--twin``
turns every name into its twin, ``--hardware`` refuses twins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.boards import get_board
from harness.boards.schema import Board

TWIN_SUFFIX = "@twin"
SET_SEPARATOR = "|"


class BoardSelectionError(ValueError):
    """A --board value (or a tinyhil_board parameter) that names no known board."""


@dataclass(frozen=True)
class BoardSpec:
    """One board of a set: its catalog name and whether the emulated twin stands in for it."""

    name: str
    twin: bool

    @property
    def target_name(self) -> str:
        return self.name + TWIN_SUFFIX if self.twin else self.name

    @property
    def kind(self) -> str:
        return "twin" if self.twin else "hardware"

    def definition(self) -> Board:
        return get_board(self.name)

    def __str__(self) -> str:
        return self.target_name


def parse_board_set(text: str, *, twin: bool = False) -> tuple[BoardSpec, ...]:
    """``"a|b@twin"`` -> (BoardSpec(a), BoardSpec(b, twin=True)); ``twin`` makes every board a twin.

    Names are checked against the board catalog; an unknown one raises BoardSelectionError naming
    it and the known boards.
    """
    names = [part.strip() for part in str(text).split(SET_SEPARATOR)]
    if not all(names):
        raise BoardSelectionError(f"board set {text!r}: expected board names separated by '|', got an empty name")
    specs = []
    for name in names:
        base = name.removesuffix(TWIN_SUFFIX)
        try:
            board = get_board(base)
        except KeyError as exc:
            raise BoardSelectionError(f"board set {text!r}: {exc}") from None
        specs.append(BoardSpec(board.name, twin or name.endswith(TWIN_SUFFIX)))
    if len({s.target_name for s in specs}) != len(specs):
        raise BoardSelectionError(f"board set {text!r}: a board appears twice; one target serves one DUT")
    return tuple(specs)


def set_id(specs: Sequence[BoardSpec]) -> str:
    return SET_SEPARATOR.join(s.target_name for s in specs)


@dataclass(frozen=True)
class MarkerFilter:
    """The board requirements a test declares with markers; each must hold for every board of its set."""

    boards: frozenset[str] | None = None  # @pytest.mark.board(...)
    cores: frozenset[str] | None = None  # @pytest.mark.core(...)
    min_sram_kib: float | None = None  # @pytest.mark.min_sram(kib)
    twin_only: bool = False
    hardware_only: bool = False

    @classmethod
    def from_markers(cls, markers: Iterable) -> MarkerFilter:
        """Build from pytest Mark objects (several marks of one kind: all must hold, so names intersect)."""
        boards: set[str] | None = None
        cores: set[str] | None = None
        min_sram: float | None = None
        twin_only = hardware_only = False
        for mark in markers:
            if mark.name == "board":
                names = {str(a).removesuffix(TWIN_SUFFIX) for a in _flatten(mark.args)}
                if not names:
                    raise BoardSelectionError("@pytest.mark.board: expected at least one board name")
                boards = names if boards is None else boards & names
            elif mark.name == "core":
                names = {str(a).lower() for a in _flatten(mark.args)}
                if not names:
                    raise BoardSelectionError("@pytest.mark.core: expected at least one core name, e.g. 'cortex-m7'")
                cores = names if cores is None else cores & names
            elif mark.name == "min_sram":
                if len(mark.args) != 1 or not isinstance(mark.args[0], int | float) or mark.args[0] <= 0:
                    raise BoardSelectionError(f"@pytest.mark.min_sram: expected one positive size in KiB, got {mark.args!r}")
                min_sram = max(min_sram or 0, float(mark.args[0]))
            elif mark.name == "twin_only":
                twin_only = True
            elif mark.name == "hardware_only":
                hardware_only = True
        return cls(
            boards=frozenset(boards) if boards is not None else None,
            cores=frozenset(cores) if cores is not None else None,
            min_sram_kib=min_sram,
            twin_only=twin_only,
            hardware_only=hardware_only,
        )

    def skip_reason(self, spec: BoardSpec, *, hardware_mode: bool = False) -> str | None:
        """Why this test must not run on ``spec`` (None when it may)."""
        board = spec.definition()
        if hardware_mode and spec.twin:
            return f"{spec.target_name}: --hardware runs real boards only"
        if self.twin_only and not spec.twin:
            return f"{spec.target_name}: test is twin_only"
        if self.hardware_only and spec.twin:
            return f"{spec.target_name}: test is hardware_only"
        if self.boards is not None and spec.name not in self.boards:
            return f"{spec.target_name}: test is for {', '.join(sorted(self.boards))}"
        if self.cores is not None and board.core.name not in self.cores:
            return f"{spec.target_name}: core {board.core.name}, test needs {' or '.join(sorted(self.cores))}"
        if self.min_sram_kib is not None and board.sram_bytes < self.min_sram_kib * 1024:
            return (f"{spec.target_name}: {board.sram_bytes // 1024} KiB SRAM, "
                    f"test needs at least {self.min_sram_kib:g} KiB")
        return None


def _flatten(args: Iterable) -> list:
    out = []
    for a in args:
        if isinstance(a, list | tuple | set | frozenset):
            out.extend(a)
        else:
            out.append(a)
    return out
