"""``build_report``: write results/<run>/ with report.html, the PNG plots, fitted models and a CSV."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from harness.latency.predictor import model_filename
from harness.report import plots
from harness.report.analysis import ReportData, analyse_run
from harness.report.html_report import render_html
from harness.store import ResultsStore, RunRecord, measurements_csv
from harness.store.export import write_atomically

log = logging.getLogger(__name__)

FIGURES = {
    "latency_vs_ops": plots.latency_vs_ops,
    "residuals": plots.residuals,
    "held_out_errors": plots.held_out_errors,
    "board_comparison": plots.board_comparison,
    "paper_comparison": plots.paper_comparison,
}


@dataclass
class ReportFiles:
    directory: Path
    html: Path
    csv: Path
    figures: dict[str, Path] = field(default_factory=dict)
    fits: list[Path] = field(default_factory=list)
    data: ReportData | None = None


def build_report(store: ResultsStore, run: RunRecord, out_dir: Path, *, robust: str | None = "huber", k: int = 5,
                 seed: int = 0) -> ReportFiles:
    out_dir = Path(out_dir)
    data = analyse_run(store, run, robust=robust, k=k, seed=seed)
    if not data.measurements:
        raise ValueError(f"run {run.id}: no measurements under its configuration yet; nothing to report")
    figures: dict[str, Path] = {}
    for name, draw in FIGURES.items():
        path = draw(data, out_dir / "plots" / f"{name}.png")
        if path is not None:
            figures[name] = path
    fits = [fit.save(out_dir / "fits" / model_filename(board, space)) for (board, space), fit in sorted(data.fits.items())]
    csv_path = out_dir / "measurements.csv"
    write_atomically(csv_path, measurements_csv(data.measurements))
    html_path = out_dir / "report.html"
    write_atomically(html_path, render_html(data, figures))
    log.info("report written to %s", html_path)
    return ReportFiles(out_dir, html_path, csv_path, figures, fits, data)
