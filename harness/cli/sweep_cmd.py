"""`tinyhil sweep --space kws --n 200 --board B [--twin]`: sample architectures uniformly from a
search space and profile each one, on one or more boards, into the results store."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.console import make_console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="profile N architectures sampled from a search space (resumable)")
    p.add_argument("--space", required=True, help="search space (see `tinyhil space list`)")
    p.add_argument("--n", type=int, default=200, help="architectures to sample (default 200)")
    p.add_argument("--board", action="append", required=True, help="board name; repeat for several boards")
    p.add_argument("--twin", action="store_true", help="use the boards' emulated twins")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes per twin (default 1)")
    p.add_argument("--repeats", type=int, default=None, help="timed inferences per model (twin 1, board 20)")
    p.add_argument("--warmup", type=int, default=None, help="untimed inferences first (twin 0, board 10)")
    p.add_argument("--check-inputs", type=int, default=1, help="random inputs checked against the oracle (default 1)")
    p.add_argument("--retries", type=int, default=2, help="retries of a model after a fault (default 2)")
    p.add_argument("--port", action="append", default=[], metavar="BOARD=PORT", help="console of a real board")
    p.add_argument("--probe-id", action="append", default=[], metavar="BOARD=ID", help="probe of a real board")
    p.add_argument("--db", type=Path, default=None, help="results database (default $TINYHIL_DB or results/results.db)")
    p.add_argument("--whole-space", action="store_true",
                   help="sample the whole space, not only architectures that fit every board")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--{what} {item!r}: expected BOARD={what.upper().replace('-', '_')}")
        k, v = item.split("=", 1)
        out[k] = v
    return out


def config_from_args(args: argparse.Namespace):
    from harness.runtime.attach import find_connection
    from harness.runtime.sweep import SweepConfig
    from search_space.spaces import get_space

    get_space(args.space)  # a clear error for an unknown space before anything starts
    ports, probes = _pairs(args.port, "port"), _pairs(args.probe_id, "probe-id")
    boards = []
    for name in args.board:
        conn = find_connection(name, twin=args.twin, port=ports.get(name), probe_id=probes.get(name))
        boards.append(conn.board)
        if not conn.twin:
            ports[conn.board], probes[conn.board] = conn.port, conn.probe_id
    twin = args.twin or all(b.endswith("@twin") for b in args.board)
    defaults = {"repeats": 1, "warmup": 0} if twin else {"repeats": 20, "warmup": 10}
    return SweepConfig(
        space=args.space, n=args.n, boards=tuple(boards), twin=twin, seed=args.seed, jobs=args.jobs,
        repeats=args.repeats if args.repeats is not None else defaults["repeats"],
        warmup=args.warmup if args.warmup is not None else defaults["warmup"],
        check_inputs=args.check_inputs, retries=args.retries, ports=ports, probe_ids=probes,
        fit_boards=not args.whole_space,
    )


def print_summary(summary) -> None:
    from rich.table import Table

    table = Table(title=f"sweep {summary.run_id}: {summary.measured} measured in {summary.seconds:.1f} s")
    for col in ("target", "measured", "already done", "does not fit", "failed", "median latency ms", "Mops/s", "state"):
        table.add_column(col)
    for b in summary.boards.values():
        table.add_row(b.target, str(b.done), str(b.skipped), str(b.unfit), str(b.failed),
                      f"{b.median_latency_ms:.2f}" if b.median_latency_ms else "-",
                      f"{b.mops_per_s:.1f}" if b.mops_per_s else "-",
                      f"broken: {b.broken_reason}" if b.broken else "ok")
    make_console().print(table)
    for err in summary.worker_errors:
        print(f"worker error: {err}")


def run(args: argparse.Namespace) -> int:
    from harness.runtime.sweep import run_sweep
    from harness.store.results_store import default_store_path

    config = config_from_args(args)
    store_path = args.db or default_store_path()
    store_path.parent.mkdir(parents=True, exist_ok=True)
    summary = run_sweep(config, store_path, progress=not args.no_progress)
    print_summary(summary)
    print(f"results in {store_path} (run {summary.run_id}); re-run the same command to finish an interrupted sweep")
    return 0 if summary.completed else 1
