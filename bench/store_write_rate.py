"""Measurements per second written to the results store, one transaction per result.

Each result is what a sweep records per model: the model row (with its op breakdown), firmware
and plan rows, and the measurement, in one BEGIN IMMEDIATE ... COMMIT.

    PYTHONPATH=. python bench/store_write_rate.py [-n 500] [--synchronous FULL NORMAL] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.store import BoardRecord, FirmwareRecord, ModelRecord, PlanRecord, ResultsStore  # noqa: E402

BOARD = BoardRecord("nucleo-f446re@twin", True, "cortex-m4", 180_000_000, "cortex-m4")


def write(path: Path, n: int, synchronous: str) -> tuple[float, list[float]]:
    store = ResultsStore(path, synchronous=synchronous)
    run = store.begin_run("sweep", {"bench": synchronous, "n": n})
    latencies = []
    start = time.perf_counter()
    for i in range(n):
        model = ModelRecord(f"m{i:06d}", "sampled", 2_000_000 + i, 1_000_000 + i // 2, space="kws",
                            arch_spec={"i": i, "widths": [64, 64, 128]}, params=20_000 + i,
                            ops_by_layer_type={"conv": 1_000_000, "depthwise": 200_000, "pointwise": 800_000 + i},
                            layers=12)
        t0 = time.perf_counter()
        store.record_measurement(run, model, BOARD, [1_000_000 + i + r for r in range(5)], instructions=900_000,
                                 firmware=FirmwareRecord(f"fw{i:06d}", BOARD.name, {"text": 50_000}),
                                 plan=PlanRecord(f"p{i:06d}", model.hash, BOARD.name), outputs_checked=True)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    store.close()
    return n / elapsed, latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="results to write per mode")
    parser.add_argument("--synchronous", nargs="+", default=["FULL", "NORMAL"])
    parser.add_argument("--dir", type=Path, default=None, help="directory for the database (default a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(f"database directory: {tmp}")
        for mode in args.synchronous:
            rate, lat = write(Path(tmp) / f"bench-{mode}.db", args.n, mode)
            lat_ms = sorted(x * 1e3 for x in lat)
            p95 = lat_ms[int(0.95 * (len(lat_ms) - 1))]
            print(f"synchronous={mode:<6} {args.n} results: {rate:8.1f} measurements/s  "
                  f"(per commit: median {statistics.median(lat_ms):.2f} ms, p95 {p95:.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
