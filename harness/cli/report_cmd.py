"""`tinyhil report`: write results/<run>/report.html with its PNG plots, fitted models and CSV.

    tinyhil report                       # the latest sweep (or latest run of any kind)
    tinyhil report --run sweep-20261124-134242-ab12cd -o /tmp/report --robust theil-sen
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.results_cmd import add_db_argument, open_store
from harness.latency import FIT_METHODS
from harness.paths import RESULTS_DIR
from harness.store import StoreError

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="HTML report with plots for a run: fits, boards, paper comparison")
    add_db_argument(p)
    p.add_argument("--run", dest="run_id", default=None, help="run id (default: the latest sweep, else latest run)")
    p.add_argument("-o", "--output", type=Path, default=None, help="directory (default results/<run id>)")
    p.add_argument("--robust", choices=[m for m in FIT_METHODS if m != "ols"], default="huber",
                   help="robust line shown beside OLS (default huber)")
    p.add_argument("-k", "--folds", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.cli.main import CliError
    from harness.report import build_report

    store = open_store(args.db)
    with store:
        try:
            run_record = store.get_run(args.run_id) if args.run_id else (store.latest_run("sweep") or store.latest_run())
        except StoreError as exc:
            raise CliError(str(exc)) from None
        if run_record is None:
            raise CliError(f"{store.path}: no runs yet; nothing to report")
        out_dir = args.output or RESULTS_DIR / run_record.id
        files = build_report(store, run_record, out_dir, robust=args.robust, k=args.folds, seed=args.seed)
    print(f"report: {files.html}")
    for name, path in files.figures.items():
        print(f"  plot {name}: {path}")
    print(f"  {len(files.fits)} fitted models in {out_dir / 'fits'}; measurements in {files.csv}")
    return 0
