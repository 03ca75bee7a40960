"""`tinyhil run-elf`: run a bare-metal ELF on an emulated twin and report modelled cycles."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from harness.timing.plugin_build import PluginBuildError
from harness.timing.run import TWIN_CORES, TimedRunError, run_elf_timed, twin_core


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run-elf",
        help="run a bare-metal ELF on an emulated twin with cycle-approximate timing",
        description=(
            "Runs FILE.elf on the twin's QEMU machine (M4: mps2-an386, M7: mps2-an500) until it exits "
            "through semihosting, and reports guest instructions and cycles modelled with the core's "
            "timing table, for the whole run or for every region between --begin and --end."
        ),
    )
    p.add_argument("elf", type=Path, metavar="FILE.elf")
    p.add_argument("--twin", type=str.upper, choices=sorted(TWIN_CORES), help="core to emulate and time")
    p.add_argument("--board", help="take the core and the clock from this board's definition (e.g. nucleo-f767zi)")
    p.add_argument("--begin", metavar="SYM", help="region start: symbol or address")
    p.add_argument("--end", metavar="SYM", help="region end: symbol or address")
    p.add_argument(
        "--clock-hz",
        type=int,
        help="clock for µs figures (default: NUCLEO-F446RE 180 MHz for M4, NUCLEO-F746ZG 216 MHz for M7)",
    )
    p.add_argument("--timeout", type=float, default=120.0, help="host seconds before QEMU is stopped (default 120)")
    p.add_argument("--profile", action="store_true", help="break the run's cycles down by instruction class and block")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.cli.main import CliError

    twin, clock_hz = args.twin, args.clock_hz
    if args.board:
        from harness.boards import get_board

        board = get_board(args.board)
        board_twin = {"cortex-m4": "M4", "cortex-m7": "M7"}[board.twin.timing_model]
        if twin and twin != board_twin:
            raise CliError(f"--twin {twin} does not match {board.name}, whose twin is {board_twin}")
        twin = board_twin
        clock_hz = clock_hz or board.clock_hz
    if not twin:
        raise CliError("give --twin M4|M7 or --board NAME")
    core = twin_core(twin)
    try:
        result = run_elf_timed(
            args.elf,
            twin,
            begin=args.begin,
            end=args.end,
            clock_hz=clock_hz,
            timeout_s=args.timeout,
            profile=args.profile,
        )
    except (TimedRunError, PluginBuildError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(
            json.dumps(
                {
                    "elf": str(args.elf),
                    "twin": core.name,
                    "qemu_machine": core.qemu_machine,
                    "exit_code": result.exit_code,
                    "total": result.total.to_dict(),
                    "regions": [r.to_dict() for r in result.regions],
                    "unclosed_region": result.unclosed_region.to_dict() if result.unclosed_region else None,
                    "profile": dataclasses.asdict(result.profile) if result.profile else None,
                },
                indent=2,
            )
        )
        return result.exit_code
    if result.console:
        print(result.console, end="" if result.console.endswith("\n") else "\n")
    t = result.total
    print(f"twin {core.name} ({core.qemu_machine}, {t.timing_model} timing), clock {t.clock_hz / 1e6:g} MHz, exit code {result.exit_code}")
    print(f"whole run: {t.instructions} instructions, {t.cycles} cycles (CPI {t.cpi:.3f}), {t.us_at_clock:.3f} µs")
    if args.begin is not None:
        print(f"regions {args.begin} -> {args.end}: {len(result.regions)}")
        for r in result.regions:
            print(f"  region {r.region}: {r.instructions} instructions, {r.cycles} cycles, {r.us_at_clock:.3f} µs")
        if result.unclosed_region:
            u = result.unclosed_region
            print(f"  region {u.region} never reached {args.end}: {u.instructions} instructions, {u.cycles} cycles so far")
    if result.profile:
        prof = result.profile
        print("cycles by instruction class (whole run):")
        for c in prof.classes:
            print(f"  {c.name:11} {c.executed:12d} executed {c.cycles:12d} cycles {100 * c.cycles / max(1, prof.cycles):5.1f}%")
        for kind, cycles in prof.branch_cycles.items():
            print(f"  {kind + ' branch':22} {'':12} {cycles:12d} cycles {100 * cycles / max(1, prof.cycles):5.1f}%")
        print("hottest blocks:")
        for b in prof.blocks:
            print(f"  0x{b.vaddr:08x} {b.symbol:32.32} {b.executions:10d} x {b.instructions:3d} instr {b.cycles:12d} cycles")
    return result.exit_code
