"""`tinyhil profile MODEL.tflite... --board B [--twin]`: time models on a board or its twin,
outputs checked against the TFLM oracle, results kept in the store."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.console import make_console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("profile", help="time .tflite models on a board or its twin (outputs checked, results stored)")
    p.add_argument("models", nargs="+", type=Path, metavar="MODEL.tflite")
    p.add_argument("--board", required=True, help="board name (see `tinyhil boards`)")
    p.add_argument("--twin", action="store_true", help="use the board's emulated twin")
    p.add_argument("--port", default=None, help="console port or pyserial URL of a real board")
    p.add_argument("--probe-id", default=None, help="pyOCD probe unique ID of a real board")
    p.add_argument("--repeats", type=int, default=None, help="timed inferences (default: 1 on twins, 20 on boards)")
    p.add_argument("--warmup", type=int, default=None, help="untimed inferences first (default: 0 on twins, 10 on boards)")
    p.add_argument("--check-inputs", type=int, default=3, help="random inputs checked against the oracle (default 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--db", type=Path, default=None, help="results database (default $TINYHIL_DB or results/results.db)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from harness.runtime.attach import find_connection, open_target
    from harness.runtime.environment import qemu_version
    from harness.runtime.model_prep import prepare_model
    from harness.runtime.profiler import ProfileSettings, profile_model, store_records
    from harness.store.results_store import ResultsStore, default_store_path

    for path in args.models:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such model file")
    conn = find_connection(args.board, twin=args.twin, port=args.port, probe_id=args.probe_id)
    models = [prepare_model(path) for path in args.models]
    store_path = args.db or default_store_path()
    store_path.parent.mkdir(parents=True, exist_ok=True)
    table = Table(title=f"tinyhil profile on {conn.board}{'@twin' if conn.twin else ''}")
    for col in ("model", "MACs", "cycles", "cycles/MAC", "latency ms", "source", "outputs", "arena B", "plan B"):
        table.add_column(col, justify="right" if col not in ("model", "source") else "left")
    with ResultsStore(store_path) as store, open_target(conn) as target:
        overrides = {k: v for k, v in (("repeats", args.repeats), ("warmup", args.warmup)) if v is not None}
        settings = ProfileSettings.for_target(target, check_inputs=args.check_inputs, seed=args.seed, **overrides)
        run_rec = store.begin_run("profile", {"models": [m.hash for m in models], "board": target.name,
                                              "repeats": settings.repeats, "warmup": settings.warmup},
                                  qemu_version=qemu_version() if conn.twin else "")
        status = "failed"
        try:
            for model in models:
                result = profile_model(target, model, settings)
                board_rec, fw_rec, plan_rec = store_records(target, model)
                store.record_measurement(run_rec, model.record(), board_rec, result.cycles,
                                         instructions=result.instructions, firmware=fw_rec, plan=plan_rec,
                                         outputs_checked=result.outputs_checked > 0, source=result.source)
                table.add_row(model.name, f"{model.counts.macs:,}", f"{result.cycles_median:,.0f}",
                              f"{result.cycles_per_mac:.2f}", f"{result.latency_ms:.3f}", result.source,
                              f"{result.outputs_checked} bit-exact", f"{model.plan.arena_bytes:,}",
                              f"{model.plan.plan_bytes:,}")
            status = "completed"
        finally:
            store.finish_run(run_rec, status)
    make_console().print(table)
    print(f"stored as run {run_rec.id} in {store_path}")
    return 0
