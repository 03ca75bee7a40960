"""The rich console the CLI prints through: wide enough for tables when output is piped."""

from __future__ import annotations

import shutil

from rich.console import Console


def make_console() -> Console:
    width = max(shutil.get_terminal_size((160, 40)).columns, 120)
    return Console(width=width)
