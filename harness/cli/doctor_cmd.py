"""`tinyhil doctor`: what works on this machine, and what to do about what does not."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from rich.table import Table

from harness.cli.console import make_console
from harness.doctor import FAIL, INFO, OK, WARN, run_doctor

_STYLE = {OK: "green", INFO: "cyan", WARN: "yellow", FAIL: "bold red"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check toolchain, QEMU, Python deps, probes, serial ports, udev")
    p.add_argument("--boards-dir", type=Path, action="append", default=[], help="extra directory of board files")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = run_doctor(args.boards_dir)
    if args.json:
        print(json.dumps([asdict(f) for f in report.findings], indent=2))
    else:
        table = Table(title="tinyhil doctor", show_lines=False)
        for col in ("check", "status", "detail", "what to do"):
            table.add_column(col, overflow="fold")
        for f in report.findings:
            table.add_row(f.check, f"[{_STYLE[f.status]}]{f.status}[/]", f.detail, f.fix)
        make_console().print(table)
    return 1 if report.failed else 0
