"""Sweep throughput on a twin: sampled KWS architectures profiled end to end (fast-path .tflite,
compile, QEMU twin with the timing plugin, oracle check, store), and where the time goes.

    python bench/sweep_throughput.py [--n 1000] [--board nucleo-f446re] [--jobs 2]

Target (issue 5): 1000 KWS architectures on the M4 twin in at most 15 minutes on 2 cores
(about 1.1 models per second), oracle check included.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from harness.runtime.sweep import SweepConfig, run_sweep


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--space", default="kws")
    ap.add_argument("--board", default="nucleo-f446re")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--db", type=Path, default=None, help="store (default: a new temporary one)")
    args = ap.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="tinyhil-bench-")) / "bench.db"
    config = SweepConfig(space=args.space, n=args.n, boards=(args.board,), twin=True, seed=args.seed, jobs=args.jobs)
    t0 = time.monotonic()
    summary = run_sweep(config, db, progress=True)
    wall = time.monotonic() - t0
    b = next(iter(summary.boards.values()))
    print(f"\nsweep of {args.n} {args.space} architectures on {b.target}, {args.jobs} worker(s)")
    print(f"  measured {b.done}, already done {b.skipped}, does not fit {b.unfit}, failed {b.failed}")
    print(f"  wall time {wall:.1f} s (sweep loop {summary.seconds:.1f} s, set-up {wall - summary.seconds:.1f} s)")
    print(f"  throughput {b.done / wall:.2f} models/s end to end; 1000 models would take {1000 / max(b.done / wall, 1e-9) / 60:.1f} min")
    if b.done:
        mean_mops = statistics.mean(b.ops) / 1e6
        mean_minstr = statistics.mean(b.instructions) / 1e6
        print(f"  models: mean {mean_mops:.1f} Mops, mean {mean_minstr:.1f} M guest instructions per inference, "
              f"median latency {b.median_latency_ms:.1f} ms at {b.clock_hz / 1e6:g} MHz")
        total = sum(b.phase_seconds.values())
        print("  worker time by phase (summed over workers):")
        for phase, sec in sorted(b.phase_seconds.items(), key=lambda kv: -kv[1]):
            print(f"    {phase:8s} {sec:8.1f} s  {100 * sec / total:5.1f} %  {1000 * sec / b.done:7.1f} ms/model")
    print(f"  store: {db}")


if __name__ == "__main__":
    main()
