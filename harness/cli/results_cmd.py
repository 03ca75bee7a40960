"""`tinyhil results`: list runs, show one, export measurements as CSV or the store as JSON.

    tinyhil results list [--kind sweep] [--json]
    tinyhil results show RUN [--limit 20] [--json]
    tinyhil results export -o out.csv [--run RUN] [--board B] [--space S] [--source emulated]
    tinyhil results export -o out.json [--run RUN]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness.store import StoreError, export_csv, export_json, open_existing

__all__ = ["register", "run"]


def _console() -> Console:
    """Rich console; wide when piped so ids and numbers are not cut."""
    return Console() if sys.stdout.isatty() else Console(width=180)


def add_db_argument(p: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """``--db``; ``nested`` for an action's parser so it does not override the command's own ``--db``."""
    p.add_argument("--db", type=Path, default=argparse.SUPPRESS if nested else None,
                   help="results database (default $TINYHIL_DB or results/results.db)")


def open_store(db: Path | None):
    """The results store for a reading command; a missing store is a one-line CLI error."""
    from harness.cli.main import CliError

    try:
        return open_existing(db)
    except StoreError as exc:
        raise CliError(str(exc)) from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("results", help="list runs, show one, export measurements (CSV) or everything (JSON)")
    add_db_argument(p)
    p.set_defaults(func=run, results_action=None)
    actions = p.add_subparsers(dest="results_action", metavar="ACTION")

    a = actions.add_parser("list", help="runs, newest first")
    add_db_argument(a, nested=True)
    a.add_argument("--kind", default=None, help="only runs of this kind (sweep, profile, study)")
    a.add_argument("--json", action="store_true")

    a = actions.add_parser("show", help="one run: its details, measurements and failures")
    add_db_argument(a, nested=True)
    a.add_argument("run_id", metavar="RUN", help="run id, or 'latest'")
    a.add_argument("--limit", type=int, default=20, help="measurement rows to print (default 20)")
    a.add_argument("--json", action="store_true")

    a = actions.add_parser("export", help="write measurements as CSV, or the store as JSON (by the file extension)")
    add_db_argument(a, nested=True)
    a.add_argument("-o", "--output", type=Path, required=True, help="file ending in .csv or .json")
    a.add_argument("--format", choices=("csv", "json"), default=None, help="override the extension")
    a.add_argument("--run", dest="run_id", default=None, help="only this run")
    a.add_argument("--board", default=None, help="CSV only: only this board")
    a.add_argument("--space", default=None, help="CSV only: only this search space")
    a.add_argument("--source", choices=("measured", "emulated"), default=None, help="CSV only")


def _resolve_run(store, run_id: str):
    if run_id == "latest":
        latest = store.latest_run()
        if latest is None:
            raise StoreError(f"{store.path}: no runs yet")
        return latest
    return store.get_run(run_id)


def run(args: argparse.Namespace) -> int:
    from harness.cli.main import CliError

    if args.results_action is None:
        raise CliError("expected an action: list, show or export (see tinyhil results -h)")
    store = open_store(args.db)
    try:
        with store:
            return _dispatch(args, store)
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _dispatch(args: argparse.Namespace, store) -> int:
    from harness.cli.main import CliError

    console = _console()
    if args.results_action == "list":
        runs = store.runs(kind=args.kind)
        counts = {r.id: len(store.measurements(run_id=r.id)) for r in runs}
        if args.json:
            print(json.dumps([{**dataclasses.asdict(r), "measurements": counts[r.id]} for r in runs], indent=2))
            return 0
        table = Table(title=f"runs in {store.path}")
        for col in ("run", "kind", "status", "started", "finished", "measurements", "config key"):
            table.add_column(col)
        for r in runs:
            table.add_row(r.id, r.kind, r.status, r.started[:19], (r.finished or "")[:19], str(counts[r.id]), r.run_key)
        console.print(table)
        return 0
    if args.results_action == "show":
        r = _resolve_run(store, args.run_id)
        items = store.measurements(run_id=r.id)
        failures = store.failures(run_id=r.id)
        if args.json:
            print(json.dumps({"run": dataclasses.asdict(r),
                              "measurements": [dataclasses.asdict(i.measurement) for i in items],
                              "failures": [dataclasses.asdict(f) for f in failures]}, indent=2))
            return 0
        console.print(f"[bold]{r.id}[/bold]  {r.kind}  {r.status}  started {r.started}  finished {r.finished or '–'}")
        console.print(f"config key {r.run_key}  tinyhil {r.tinyhil_version}  host {r.host}  "
                      f"compiler {r.compiler_version or '–'}  QEMU {r.qemu_version or '–'}")
        console.print(f"args {json.dumps(r.args, sort_keys=True)}")
        table = Table(title=f"{len(items)} measurements" + (f" (first {args.limit})" if len(items) > args.limit else ""))
        for col in ("model", "space", "board", "source", "Mops", "latency ms", "cycles (median)", "MAD", "repeats", "checked"):
            table.add_column(col)
        for i in items[: args.limit]:
            m = i.measurement
            table.add_row(i.model.name or i.model.hash[:12], i.model.space, m.board, m.source, f"{i.model.ops / 1e6:.2f}",
                          f"{m.latency_ms:.3f}", f"{m.cycles_median:.0f}", f"{m.cycles_mad:.0f}", str(m.repeats),
                          "yes" if m.outputs_checked else "no")
        console.print(table)
        if failures:
            ft = Table(title=f"{len(failures)} failures")
            for col in ("model", "board", "attempt", "kind", "message"):
                ft.add_column(col)
            for f in failures:
                ft.add_row(f.model_hash[:12], f.board, str(f.attempt), f.kind, f.message)
            console.print(ft)
        return 0
    if args.results_action == "export":
        fmt = args.format or args.output.suffix.lower().lstrip(".")
        if fmt not in ("csv", "json"):
            raise CliError(f"{args.output}: expected a .csv or .json file name, or --format csv|json")
        if args.run_id:
            store.get_run(args.run_id)  # a clear error for an unknown run
        if fmt == "csv":
            n = export_csv(store, args.output, board=args.board, space=args.space, source=args.source, run_id=args.run_id)
            print(f"wrote {n} measurements to {args.output}")
        else:
            if args.board or args.space or args.source:
                raise CliError("--board/--space/--source filter the CSV export only; the JSON export takes --run")
            counts = export_json(store, args.output, run_id=args.run_id)
            print(f"wrote {args.output}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        return 0
    raise CliError(f"unknown action {args.results_action!r}")
