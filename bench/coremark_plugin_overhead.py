"""Host cost of the timing plugin: QEMU wall time on CoreMark with and without it.

    PYTHONPATH=. python bench/coremark_plugin_overhead.py /path/to/coremark [--iterations N]

Prints guest instructions per host second for plain icount QEMU and for QEMU with the timing plugin
(M4 and M7 tables), and the slowdown factor. Best of --repeats runs each.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coremark_build import DEFAULT_FLAGS, CoreMarkBuildError, build_coremark  # noqa: E402

from harness.timing import PluginConfig, parse_plugin_output  # noqa: E402
from harness.timing.run import twin_core  # noqa: E402
from harness.twin.qemu import build_qemu_argv  # noqa: E402


def timed(argv: list[str], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("coremark_src", type=Path)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"CoreMark {args.iterations} iterations; best of {args.repeats} runs; {DEFAULT_FLAGS}")
    print(f"{'twin':4} {'guest instr':>12} {'plain s':>8} {'plugin s':>9} {'plain MIPS':>10} {'plugin MIPS':>11} {'slowdown':>8}")
    for twin in ("M4", "M7"):
        core = twin_core(twin)
        try:
            build = build_coremark(args.coremark_src, twin, args.iterations)
        except CoreMarkBuildError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "timing.txt"
            plain = build_qemu_argv(core.qemu_machine, build.elf, serial_port=None, loaders=[], plugin=None)
            with_plugin = build_qemu_argv(
                core.qemu_machine, build.elf, serial_port=None, loaders=[], plugin=PluginConfig(core.timing_model, out)
            )
            t_plain = timed(plain, args.repeats)
            t_plugin = timed(with_plugin, args.repeats)
            total = parse_plugin_output(out).total
        assert total is not None
        print(
            f"{twin:4} {total.instructions:12d} {t_plain:8.3f} {t_plugin:9.3f} {total.instructions / t_plain / 1e6:10.0f} "
            f"{total.instructions / t_plugin / 1e6:11.0f} {t_plugin / t_plain:7.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
