"""Find a board to run on: its twin, or the attached real board (probe and console paired by USB
serial number), with explicit --port/--probe-id taking precedence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.boards import get_board, load_catalog
from harness.resources.discovery import list_probes, list_serial_ports, pair_probes_and_ports


class BoardNotAttached(LookupError):
    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Connection:
    board: str
    twin: bool
    port: str | None = None
    probe_id: str | None = None


def find_connection(board_name: str, *, twin: bool, port: str | None = None, probe_id: str | None = None,
                    boards_dirs: list[Path] | None = None) -> Connection:
    board = get_board(board_name, boards_dirs)
    if twin or board_name.endswith("@twin"):
        return Connection(board.name, True)
    if port and probe_id:
        return Connection(board.name, False, port, probe_id)
    attached = [a for a in pair_probes_and_ports(list_probes(), list_serial_ports(), load_catalog(boards_dirs).values())
                if board.name in a.candidates and a.port is not None]
    if probe_id:
        attached = [a for a in attached if a.probe.unique_id == probe_id]
    if port:
        attached = [a for a in attached if a.port.device == port]
    if not attached:
        raise BoardNotAttached(
            f"no attached {board.name} found (no probe of its type paired with a console); "
            f"run `tinyhil doctor`, pass --port and --probe-id, or use --twin"
        )
    if len(attached) > 1:
        ids = ", ".join(a.probe.unique_id for a in attached)
        raise BoardNotAttached(f"several probes could be {board.name} ({ids}): choose one with --probe-id")
    a = attached[0]
    return Connection(board.name, False, a.port.device, a.probe.unique_id)


def open_target(conn: Connection, workdir: Path | None = None):
    from harness.runtime.targets import HardwareTarget, TwinTarget

    board = get_board(conn.board)
    if conn.twin:
        return TwinTarget(board, workdir=workdir)
    return HardwareTarget(board, port=conn.port, probe_id=conn.probe_id, workdir=workdir)
