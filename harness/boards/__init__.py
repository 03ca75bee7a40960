"""Board definitions (data in boards/*.toml) and the catalog that loads them."""

from harness.boards.catalog import UnknownBoardError, get_board, load_catalog
from harness.boards.schema import Board, BoardFileError, load_board_file, parse_board

__all__ = [
    "Board",
    "BoardFileError",
    "UnknownBoardError",
    "get_board",
    "load_board_file",
    "load_catalog",
    "parse_board",
]
