"""`tinyhil boards`: list the board catalog and each board's emulated twin."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from harness.boards import load_catalog
from harness.cli.console import make_console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("boards", help="list boards and their emulated twins")
    p.add_argument("--boards-dir", type=Path, action="append", default=[], help="extra directory of board files")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.boards_dir)
    if args.json:
        rows = [
            {
                "name": b.name,
                "mcu": b.mcu,
                "core": b.core.name,
                "clock_hz": b.clock_hz,
                "sram_bytes": b.sram_bytes,
                "flash_bytes": b.flash_bytes,
                "twin": {"name": b.twin_name, "qemu_machine": b.twin.qemu_machine, "timing_model": b.twin.timing_model},
                "source": str(b.source),
            }
            for b in catalog.values()
        ]
        print(json.dumps(rows, indent=2))
        return 0
    table = Table(title="tinyhil boards")
    for col in ("board", "MCU", "core", "clock", "SRAM", "flash", "console", "probe", "twin"):
        table.add_column(col)
    for b in catalog.values():
        table.add_row(
            b.name,
            b.mcu,
            b.core.name,
            f"{b.clock_hz / 1e6:g} MHz",
            f"{b.sram_bytes // 1024} KB",
            f"{b.flash_bytes // 1024} KB",
            f"{b.console.uart} {b.console.baud}",
            f"{b.probe.kind} {b.probe.usb_vid:04x}:{b.probe.usb_pid:04x}",
            f"{b.twin_name} ({b.twin.qemu_machine}, {b.twin.timing_model} timing)",
        )
    make_console().print(table)
    return 0
