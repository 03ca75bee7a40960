"""The board catalog: the built-in board files plus any directories the user names."""

from __future__ import annotations

import os
from pathlib import Path

from harness.boards.schema import Board, BoardFileError, load_board_file
from harness.paths import BOARDS_DIR

# Extra board directories, separated like PATH; `--boards-dir` on the CLI adds to it.
BOARDS_PATH_ENV = "TINYHIL_BOARDS_PATH"


class UnknownBoardError(KeyError):
    def __init__(self, name: str, known: list[str]):
        self.name = name
        self.known = known
        super().__init__(f"unknown board {name!r}; known boards: {', '.join(known)}")

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return self.args[0]


def board_dirs(extra: list[Path] | None = None) -> list[Path]:
    dirs = [BOARDS_DIR]
    env = os.environ.get(BOARDS_PATH_ENV, "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += list(extra or [])
    return dirs


def load_catalog(extra: list[Path] | None = None) -> dict[str, Board]:
    """All boards, later directories overriding earlier ones by name."""
    boards: dict[str, Board] = {}
    for directory in board_dirs(extra):
        if not directory.is_dir():
            raise BoardFileError(directory, "<dir>", "board directory does not exist")
        for path in sorted(directory.glob("*.toml")):
            board = load_board_file(path)
            boards[board.name] = board
    return boards


def get_board(name: str, extra: list[Path] | None = None) -> Board:
    """A board by name; ``name@twin`` is accepted and means the same board definition."""
    catalog = load_catalog(extra)
    key = name.removesuffix("@twin")
    if key not in catalog:
        raise UnknownBoardError(name, sorted(catalog))
    return catalog[key]
