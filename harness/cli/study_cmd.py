"""`tinyhil study`: the op-count latency study (sample, sweep, fit, report) — the README's main job."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.console import make_console


def register(sub: argparse._SubParsersAction) -> None:
    from harness.study import DEFAULT_BOARDS

    p = sub.add_parser("study", help="op-count latency study: sample, sweep on boards/twins, fit, report")
    p.add_argument("--board", action="append", default=None,
                   help=f"board (repeatable; default: {' and '.join(DEFAULT_BOARDS)})")
    p.add_argument("--n", type=int, default=200, help="architectures sampled (default 200)")
    p.add_argument("--space", default="kws", help="search space (default kws)")
    p.add_argument("--hardware", action="store_true", help="use attached boards instead of their twins")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, help="worker processes per twin (default 1)")
    p.add_argument("--db", type=Path, default=None, help="results database (default $TINYHIL_DB or results/results.db)")
    p.add_argument("--out", type=Path, default=None, help="report directory (default results/<run id>)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from harness.cli.sweep_cmd import print_summary
    from harness.store.results_store import default_store_path
    from harness.study import DEFAULT_BOARDS, StudyConfig, run_study

    config = StudyConfig(boards=tuple(args.board or DEFAULT_BOARDS), n=args.n, space=args.space,
                         twin=not args.hardware, seed=args.seed, jobs=args.jobs)
    store_path = args.db or default_store_path()
    store_path.parent.mkdir(parents=True, exist_ok=True)
    result = run_study(config, store_path, out_dir=args.out, progress=not args.no_progress)
    print_summary(result.sweep)
    console = make_console()
    data = result.report.data
    fits = Table(title=f"latency = a·Mops + b ({config.space} space)")
    for col in ("board", "n", "a ms/Mop", "b ms", "r²", "Spearman", "held-out MAPE proxy", "held-out MAPE per-layer"):
        fits.add_column(col)
    for (board, _space), fit in sorted(data.fits.items()):
        cv = fit.cross_validation
        fits.add_row(board, str(fit.proxy.n), f"{fit.proxy.slope:.4f}", f"{fit.proxy.intercept:.3f}",
                     f"{fit.proxy.r2:.4f}", f"{fit.ops_spearman:.4f}",
                     f"{cv.ops_proxy.mape_pct:.2f}%" if cv else "-", f"{cv.layer_model.mape_pct:.2f}%" if cv else "-")
    console.print(fits)
    for ratio in data.core_ratios:
        console.print(f"M4/M7 latency ratio {ratio.m4_board} / {ratio.m7_board}: median {ratio.median:.3f} "
                      f"over {len(ratio.ratios)} models (paper S/M: 2.26–2.38)")
    if result.fixed:
        fixed = Table(title="fixed models (paper Table 4 in the report)")
        for col in ("model", "target", "Mops", "latency ms", "note"):
            fixed.add_column(col)
        for f in result.fixed:
            fixed.add_row(f.model, f.target, f"{f.mops:.1f}", f"{f.latency_ms:.1f}" if f.latency_ms else "-", f.note)
        console.print(fixed)
    print(f"report: {result.report.html}")
    return 0 if result.sweep.completed else 1
