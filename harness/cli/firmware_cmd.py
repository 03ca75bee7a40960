"""`tinyhil firmware`: build the DUT firmware for boards and twins, and pack plan-slot images."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from harness.boards import load_catalog
from harness.boards.schema import BoardFileError
from harness.cli.console import make_console
from harness.firmware import (
    FirmwareBuildError,
    PlanSlotError,
    build_firmware,
    firmware_layout,
    write_plan_slot,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "firmware",
        help="build the DUT firmware (once per board; the model goes in the plan slot)",
        description=(
            "build: compile the MLPerf Tiny DUT firmware with the int8 engine for boards (real) and their "
            "QEMU twins, cached by content, and report flash/SRAM use against each board's limits. "
            "slot: pack an engine plan into a plan-slot image (flash it at the slot address, or give it "
            "to a twin)."
        ),
    )
    fsub = p.add_subparsers(dest="firmware_command", metavar="ACTION", required=True)
    b = fsub.add_parser("build", help="build firmware and show the size report")
    b.add_argument("--board", action="append", default=[], help="board name (repeatable; default: all boards)")
    b.add_argument("--variant", choices=["real", "twin", "both"], default="both")
    b.add_argument("--engine-dir", type=Path, help="engine directory with include/ and src/ (default: firmware_templates/engine)")
    b.add_argument("--force", action="store_true", help="rebuild even if the cache has this build")
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b.set_defaults(func=run_build)
    s = fsub.add_parser("slot", help="pack a compiled plan into a plan-slot image")
    s.add_argument("plan", type=Path, help="plan file (the engine compiler's output)")
    s.add_argument("-o", "--output", type=Path, required=True, help="slot image to write")
    s.add_argument("--model", default="", help="model tag shown by the DUT's `profile` (e.g. kws01)")
    s.add_argument("--board", help="check that the image fits this board's plan slot")
    s.set_defaults(func=run_slot)


def _boards(names: list[str]):
    from harness.cli.main import CliError

    catalog = load_catalog()
    unknown = [n for n in names if n not in catalog]
    if unknown:
        raise CliError(f"unknown board {unknown[0]!r}; expected one of {sorted(catalog)}")
    return [catalog[n] for n in (names or sorted(catalog))]


def run_build(args: argparse.Namespace) -> int:
    from harness.cli.main import CliError

    variants = ["real", "twin"] if args.variant == "both" else [args.variant]
    images = []
    try:
        for board in _boards(args.board):
            for variant in variants:
                images.append(build_firmware(board, variant, engine_dir=args.engine_dir, force=args.force))
    except (FirmwareBuildError, BoardFileError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps([im.to_json() for im in images], indent=2))
        return 0
    table = Table(title="tinyhil DUT firmware")
    for col in ("board", "variant", "text", "data", "bss", "flash used", "SRAM static+stack", "arena", "plan slot", "ELF"):
        table.add_column(col)
    for im in images:
        sz = im.size
        table.add_row(
            im.board,
            im.variant,
            str(sz.text),
            str(sz.data),
            str(sz.bss),
            f"{sz.flash_used} / {sz.flash_limit} ({100 * sz.flash_fraction:.1f}%)",
            f"{sz.sram_static + sz.stack} / {sz.sram_limit} ({100 * sz.sram_fraction:.1f}%)",
            str(sz.arena),
            f"0x{im.plan_slot_addr:08x} +{im.plan_slot_bytes // 1024} KB",
            str(im.elf),
        )
    make_console().print(table)
    return 0


def run_slot(args: argparse.Namespace) -> int:
    from harness.cli.main import CliError

    try:
        plan = args.plan.read_bytes()
    except OSError as exc:
        raise CliError(f"{args.plan}: cannot read: {exc.strerror}") from None
    slot_bytes = None
    if args.board:
        slot_bytes = firmware_layout(_boards([args.board])[0], "real").plan_slot_bytes
    try:
        out = write_plan_slot(args.output, plan, args.model, slot_bytes=slot_bytes)
    except PlanSlotError as exc:
        raise CliError(f"{args.plan}: {exc}") from None
    print(f"{out}: {out.stat().st_size} bytes (plan {len(plan)} bytes, model {args.model or 'none'!r})")
    return 0
