"""`tinyhil fit`: fit latency models on stored measurements and save them for prediction.

    tinyhil fit                                  # every board and space in the store
    tinyhil fit --board nucleo-f446re@twin --space kws --robust huber
    tinyhil fit --run sweep-... --source emulated -o results/latency_models --json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness.cli.results_cmd import add_db_argument, open_store
from harness.latency import FIT_METHODS, FitDataError, fit_from_store, model_filename
from harness.latency.predictor import default_models_dir

__all__ = ["register", "run"]


def _console() -> Console:
    """Rich console; wide when piped so ids and numbers are not cut."""
    return Console() if sys.stdout.isatty() else Console(width=180)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fit", help="fit latency = a·ops + b (and a per-layer-type model) per board and space")
    add_db_argument(p)
    p.add_argument("--board", default=None, help="only this board (e.g. nucleo-f446re@twin)")
    p.add_argument("--space", default=None, help="only this search space")
    p.add_argument("--source", choices=("measured", "emulated"), default=None, help="only real or only twin results")
    p.add_argument("--run", dest="run_ids", action="append", default=None, help="only these runs (repeatable)")
    p.add_argument("--robust", choices=[m for m in FIT_METHODS if m != "ols"], default=None,
                   help="also fit a robust line")
    p.add_argument("-k", "--folds", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--seed", type=int, default=0, help="fold shuffling and bootstrap seed")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="directory for the model files (default results/latency_models)")
    p.add_argument("--json", action="store_true", help="print the fitted models as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.cli.main import CliError

    store = open_store(args.db)
    with store:
        items = store.measurements(board=args.board, space=args.space, source=args.source, run_id=args.run_ids)
        groups = sorted({(i.board.name, i.model.space) for i in items if i.model.space})
        if not groups:
            what = ", ".join(f"{k} {v}" for k, v in (("board", args.board), ("space", args.space),
                                                   ("source", args.source), ("runs", args.run_ids)) if v)
            raise CliError(f"{store.path}: no measurements of search-space models" + (f" for {what}" if what else ""))
        out_dir = args.output or default_models_dir()
        fitted, skipped = [], []
        for board, space in groups:
            try:
                model = fit_from_store(store, board=board, space=space, source=args.source, run_ids=args.run_ids,
                                       robust=args.robust, k=args.folds, seed=args.seed)
            except FitDataError as exc:
                skipped.append(str(exc))
                continue
            path = model.save(Path(out_dir) / model_filename(board, space))
            fitted.append((model, path))
    if args.json:
        print(json.dumps([m.to_dict() for m, _ in fitted], indent=2))
    else:
        table = Table(title="latency fits (OLS: latency = slope · Mops + intercept)")
        for col in ("board", "space", "n", "slope ms/Mop [95% CI]", "intercept ms", "r²", "Spearman",
                    "held-out MAPE % ops / layers"):
            table.add_column(col)
        for m, _ in fitted:
            p, cv = m.proxy, m.cross_validation
            table.add_row(m.board, m.space, str(p.n), f"{p.slope:.4g} [{p.slope_ci[0]:.4g}, {p.slope_ci[1]:.4g}]",
                          f"{p.intercept:.3g}", f"{p.r2:.4f}", f"{m.ops_spearman:.3f}",
                          f"{cv.ops_proxy.mape_pct:.2f} / {cv.layer_model.mape_pct:.2f}" if cv else "–")
        _console().print(table)
        for _, path in fitted:
            print(f"saved {path}")
    for reason in skipped:
        print(f"not fitted: {reason}")
    return 0 if fitted else 1
