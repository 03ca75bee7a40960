"""CoreMark/MHz of the twins' timing models against Arm's published figures.

    PYTHONPATH=. python bench/coremark_calibration.py /path/to/coremark [--iterations N] [--flags "..."]

Builds EEMBC CoreMark (sources given on the command line, never part of tinyhil) with tinyhil's port
layer for Cortex-M4 and Cortex-M7, runs each on its twin (mps2-an386 / mps2-an500) with the timing
plugin, and prints CoreMark/MHz = iterations / (modelled cycles of the timed region / 1e6) next to
Arm's published 3.40 (Cortex-M4) and 5.01 (Cortex-M7). The timed region is CoreMark's own
start_time() .. stop_time(), marked by the port's tinyhil_coremark_begin/_end functions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coremark_build import (  # noqa: E402
    BEGIN_SYMBOL,
    DEFAULT_FLAGS,
    END_SYMBOL,
    CoreMarkBuildError,
    build_coremark,
    validation_problems,
)

from harness.timing.run import TimedRunError, run_elf_timed, twin_core  # noqa: E402

PUBLISHED_COREMARK_PER_MHZ = {"M4": 3.40, "M7": 5.01}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("coremark_src", type=Path, help="top directory of a CoreMark checkout")
    parser.add_argument("--iterations", type=int, default=200, help="CoreMark iterations (default 200)")
    parser.add_argument("--flags", default=DEFAULT_FLAGS, help=f"optimisation flags (default: {DEFAULT_FLAGS})")
    parser.add_argument("--work-dir", type=Path, help="where to build (default: the tinyhil cache)")
    args = parser.parse_args(argv)

    print(f"CoreMark 2K performance run, {args.iterations} iterations, arm-none-eabi-gcc {args.flags}")
    print(f"{'twin':4} {'model':9} {'instr/iter':>10} {'cycles/iter':>11} {'CPI':>6} {'CoreMark/MHz':>12} {'Arm':>5} {'diff':>7}")
    worst = 0.0
    for twin in ("M4", "M7"):
        try:
            build = build_coremark(args.coremark_src, twin, args.iterations, args.flags, args.work_dir)
            run = run_elf_timed(build.elf, twin, begin=BEGIN_SYMBOL, end=END_SYMBOL, timeout_s=600)
        except (CoreMarkBuildError, TimedRunError, ValueError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        problems = validation_problems(run.console)
        if problems or len(run.regions) != 1:
            print(f"error: {twin}: CoreMark did not validate: {problems or f'{len(run.regions)} timed regions'}", file=sys.stderr)
            return 1
        region = run.regions[0]
        per_mhz = args.iterations / (region.cycles / 1e6)
        published = PUBLISHED_COREMARK_PER_MHZ[twin]
        diff = (per_mhz - published) / published * 100
        worst = max(worst, abs(diff))
        print(
            f"{twin:4} {twin_core(twin).timing_model:9} {region.instructions / args.iterations:10.0f} "
            f"{region.cycles / args.iterations:11.0f} {region.cpi:6.3f} {per_mhz:12.3f} {published:5.2f} {diff:+6.1f}%"
        )
    print(f"largest deviation from Arm's published CoreMark/MHz: {worst:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
