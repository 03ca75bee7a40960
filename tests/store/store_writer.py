"""A sweep-like writer used by the store tests: records measurements in a loop.

Run as a script: ``store_writer.py DB FIRST LAST [--tag TAG]``. Records models FIRST..LAST-1 for
one fixed sweep configuration, skipping what is already done, and prints ``ok <i>`` after each
committed measurement so the parent knows what was acknowledged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harness.store import (  # noqa: E402
    BoardRecord,
    FirmwareRecord,
    ModelRecord,
    PlanRecord,
    ResultsStore,
)

BOARD = BoardRecord("nucleo-f446re@twin", True, "cortex-m4", 180_000_000, "cortex-m4")
SWEEP_ARGS = {"space": "kws", "boards": [BOARD.name], "seed": 7}


def model_for(i: int) -> ModelRecord:
    conv, dw, pw, fc = 1000 + 17 * i, 300 + 5 * i, 2000 + 11 * i, 24
    return ModelRecord(
        hash=f"model-{i:05d}",
        source="sampled",
        ops=conv + dw + pw + fc,
        macs=(conv + dw + pw + fc) // 2,
        space="kws",
        arch_spec={"index": i, "widths": [4 * (i % 7 + 1)] * 3},
        params=100 + i,
        ops_by_layer_type={"conv": conv, "depthwise": dw, "pointwise": pw, "fully_connected": fc},
        layers=3 + i % 4,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("first", type=int)
    parser.add_argument("last", type=int)
    parser.add_argument("--synchronous", default="FULL")
    args = parser.parse_args()
    store = ResultsStore(args.db, synchronous=args.synchronous)
    run = store.begin_run("sweep", SWEEP_ARGS)
    print(f"run {run.id} {run.run_key}", flush=True)
    for i in range(args.first, args.last):
        model = model_for(i)
        if store.is_done(run.run_key, model.hash, BOARD.name):
            continue
        firmware = FirmwareRecord(f"fw-{i:05d}", BOARD.name, {"text": 40_000 + i, "data": 100, "bss": 2000})
        plan = PlanRecord(f"plan-{i:05d}", model.hash, BOARD.name)
        cycles = [10_000 + 13 * i + r for r in range(5)]
        stored = store.record_measurement(run, model, BOARD, cycles, instructions=9000 + i, firmware=firmware,
                                          plan=plan, outputs_checked=True)
        print(f"{'ok' if stored else 'dup'} {i}", flush=True)
    store.finish_run(run, "completed")
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
