"""The self-contained HTML report: inline CSS, PNGs embedded as data URIs, no network assets."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from scipy import stats

from harness import __version__
from harness.latency.layer_types import LAYER_TYPE_LABELS, LAYER_TYPES
from harness.report.analysis import ReportData
from harness.report.paper_reference import PAPER_S_OVER_M_RATIO, board_letter
from harness.report.plots import board_label

CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1200px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 2px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: right; }
th { background: #f3f4f6; } td.l, th.l { text-align: left; }
tr:nth-child(even) td { background: #fafafa; }
.muted { color: #666; font-size: 0.9em; } .note { background: #fff8e1; padding: 0.6em 1em; border-left: 4px solid #f0b400; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; } code { background: #f3f4f6; padding: 0 0.2em; }
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _num(value: float | None, fmt: str = ".3g") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return format(value, fmt)


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, left: int = 1, table_id: str = "") -> str:
    ident = f' id="{table_id}"' if table_id else ""
    def cls(i: int) -> str:
        return ' class="l"' if i < left else ""

    head = "".join(f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(path: Path | None, caption: str, alt: str) -> str:
    if path is None:
        return ""
    encoded = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{encoded}" alt="{_e(alt)}" data-file="{_e(Path(path).name)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _summary_section(data: ReportData) -> str:
    """The headline numbers, in words: what the MicroNets finding looks like on this run."""
    items = []
    for (board, space), fit in sorted(data.fits.items()):
        p = fit.proxy
        verdict = "inside" if 0.95 < p.r2 < 0.99 else ("above" if p.r2 >= 0.99 else "below")
        items.append(f"{_e(board_label(board))}, {_e(space)}: latency ≈ {p.slope:.4g} ms/Mop × ops + "
                     f"{p.intercept:.3g} ms, r² = {p.r2:.3f} ({verdict} the paper's 0.95–0.99), n = {p.n}.")
    by_board: dict[str, dict[str, float]] = {}
    for (board, space), fit in data.fits.items():
        by_board.setdefault(board, {})[space] = fit.proxy.mops_per_second
    for board, rates in sorted(by_board.items()):
        if len(rates) >= 2:
            fast, slow = max(rates, key=rates.get), min(rates, key=rates.get)
            items.append(f"{_e(board_label(board))}: the {_e(fast)} space runs {rates[fast] / rates[slow] - 1:.0%} more "
                         f"Mops/s than {_e(slow)} (the paper saw KWS about 40% above its CIFAR-10 space).")
    lo, hi = PAPER_S_OVER_M_RATIO
    for r in data.core_ratios:
        items.append(f"{_e(board_label(r.m4_board))} is {r.median:.2f}× slower than {_e(board_label(r.m7_board))} "
                     f"on {len(r.ratios)} shared models (paper S/M: {lo}–{hi}).")
    wins = [(k, f.cross_validation) for k, f in sorted(data.fits.items()) if f.cross_validation]
    if wins:
        better = sum(cv.layer_model.mape_pct < cv.ops_proxy.mape_pct for _, cv in wins)
        items.append(f"The per-layer-type model beats the op-count line on held-out MAPE in {better} of {len(wins)} "
                     "board/space fits.")
    if not items:
        return ""
    return "<h2>Summary</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _run_section(data: ReportData) -> str:
    run = data.run
    rows = [
        ("run", f"<code>{_e(run.id)}</code>"), ("kind", _e(run.kind)), ("status", _e(run.status)),
        ("configuration key", f"<code>{_e(run.run_key)}</code>"),
        ("runs with this configuration", _e(", ".join(r.id for r in data.runs_in_config))),
        ("started / finished", f"{_e(run.started)} / {_e(run.finished or '–')}"),
        ("tinyhil", _e(run.tinyhil_version)), ("host", _e(run.host)),
        ("compiler", _e(run.compiler_version or "–")), ("QEMU", _e(run.qemu_version or "–")),
        ("arguments", f"<code>{_e(run.args)}</code>"),
        ("measurements / failures", f"{len(data.measurements)} / {len(data.failures)}"),
    ]
    return "<h2>Run</h2>" + _table(["field", "value"], ([k, v] for k, v in rows), left=2, table_id="run")


def _fits_section(data: ReportData) -> str:
    rows = []
    for (board, space), fit in sorted(data.fits.items()):
        p, cv = fit.proxy, fit.cross_validation
        rows.append([
            _e(board_label(board)), _e(space), _e(fit.provenance.source), p.n,
            f"{_num(p.slope, '.4g')} [{_num(p.slope_ci[0], '.4g')}, {_num(p.slope_ci[1], '.4g')}]",
            f"{_num(p.intercept, '.3g')} [{_num(p.intercept_ci[0], '.3g')}, {_num(p.intercept_ci[1], '.3g')}]",
            _num(p.r2, ".4f"), _num(p.mops_per_second, ".0f"), _num(p.residual_std, ".3g"),
            _num(fit.ops_spearman, ".3f"), _num(fit.ops_kendall, ".3f"),
            _num(fit.robust.slope, ".4g") if fit.robust else "–",
            _num(cv.ops_proxy.mape_pct, ".2f") if cv else "–",
            _num(cv.layer_model.mape_pct, ".2f") if cv else "–",
            _num(cv.ops_proxy.max_abs_error_ms, ".3g") if cv else "–",
            _num(cv.layer_model.max_abs_error_ms, ".3g") if cv else "–",
        ])
    robust = next((f.robust.method for f in data.fits.values() if f.robust), None)
    headers = ["board", "space", "source", "n", "slope ms/Mop [95% CI]", "intercept ms [95% CI]", "r²", "Mops/s",
               "σ ms", "Spearman", "Kendall", f"{robust or 'robust'} slope", "MAPE % ops", "MAPE % layers",
               "max err ms ops", "max err ms layers"]
    out = "<h2>Latency fits</h2>"
    out += ("<p>Ordinary least squares <i>latency = slope · Mops + intercept</i> per board and search space. "
            "Spearman/Kendall: rank correlation of op count with measured latency. MAPE and max error are "
            "k-fold held-out: the op-count line and the per-layer-type model (non-negative least squares on ops "
            "by layer type plus a per-layer constant) are fitted and tested on the same folds.</p>")
    out += _table(headers, rows, left=3, table_id="fits") if rows else "<p>No board and space had enough measurements to fit.</p>"
    for (board, space), reason in sorted(data.skipped_fits.items()):
        out += f'<p class="muted">Not fitted: {_e(board)} / {_e(space)}: {_e(reason)}</p>'
    layer_rows = []
    for (board, space), fit in sorted(data.fits.items()):
        lm = fit.layer_model
        layer_rows.append([_e(board_label(board)), _e(space)] + [_num(lm.ms_per_mop[t], ".4g") for t in LAYER_TYPES]
                          + [_num(lm.ms_per_layer, ".3g"), _num(lm.intercept_ms, ".3g")])
    if layer_rows:
        out += "<h3>Per-layer-type model (ms per Mop of each layer type; all coefficients ≥ 0)</h3>"
        out += _table(["board", "space"] + [LAYER_TYPE_LABELS[t] for t in LAYER_TYPES] + ["ms per layer", "ms fixed"],
                      layer_rows, left=2, table_id="layer-model")
    return out


def _boards_section(data: ReportData) -> str:
    rows = [[_e(board_label(b.board)), _e(b.core), f"{b.clock_hz / 1e6:g} MHz", "twin (emulated)" if b.is_twin else "board",
             b.n, _num(b.median_mops_per_s, ".0f")] for b in data.boards]
    out = "<h2>Boards</h2>" + _table(["board", "core", "clock", "kind", "models", "median Mops/s (ops / latency)"],
                                     rows, left=4, table_id="boards")
    if data.core_ratios:
        lo, hi = PAPER_S_OVER_M_RATIO
        ratio_rows = [[_e(board_label(r.m4_board)), _e(board_label(r.m7_board)), len(r.ratios), _num(r.median, ".3f"),
                       _num(min(r.ratios), ".3f"), _num(max(r.ratios), ".3f")] for r in data.core_ratios]
        out += f"<h3>Cortex-M4 vs Cortex-M7 latency on the same models (paper: S/M {lo}–{hi})</h3>"
        out += _table(["M4 board", "M7 board", "common models", "median ratio", "min", "max"], ratio_rows, left=2,
                      table_id="core-ratios")
    return out


def _paper_section(data: ReportData) -> str:
    out = "<h2>Fixed models against MicroNets Table 4</h2>"
    if not data.paper:
        return out + ("<p>No fixed MicroNets models (KWS-S/M/L, VWW-2/4, AD-S/M, DSCNN-S) were measured. Name a model "
                      "after its Table 4 row (e.g. <code>micronets_kws_s.tflite</code>) to place it here.</p>")
    if data.paper_from_other_runs:
        out += '<p class="note">This run measured no fixed models; the rows below come from other runs in the store.</p>'
    boards = sorted({b for c in data.paper for b in c.measured_ms}, key=lambda b: ("SML".find(board_letter(b) or "?") % 9, b))
    headers = ["model", "paper Mops", "tinyhil Mops"]
    for b in boards:
        headers += [f"{board_label(b)} ms", "paper ms", "ratio"]
    rows = []
    for c in data.paper:
        row = [_e(c.paper.name), _num(c.paper.mops, ".1f"), _num(c.mops, ".1f")]
        for b in boards:
            row += [_num(c.measured_ms.get(b), ".4g"), _num(c.paper_ms.get(b), ".4g"), _num(c.ratio(b), ".2f")]
        rows.append(row)
    out += "<p>Rows in the paper's order; ratio = tinyhil latency / paper latency.</p>"
    out += _table(headers, rows, left=1, table_id="paper")
    order_rows = []
    for b in boards:
        pairs = [(c.paper_ms[b], c.measured_ms[b]) for c in data.paper if c.paper_ms.get(b) and b in c.measured_ms]
        if len(pairs) < 2:
            continue
        same = sorted(range(len(pairs)), key=lambda i: pairs[i][0]) == sorted(range(len(pairs)), key=lambda i: pairs[i][1])
        tau = stats.kendalltau([p for p, _ in pairs], [m for _, m in pairs]).statistic
        ratios = [m / p for p, m in pairs]
        order_rows.append([_e(board_label(b)), len(pairs), "yes" if same else "no", _num(float(tau), ".2f"),
                           _num(min(ratios), ".2f"), _num(max(ratios), ".2f")])
    if order_rows:
        out += "<h3>Do the fixed models rank in the paper's latency order?</h3>"
        out += _table(["board", "models", "same order", "Kendall τ", "min ratio", "max ratio"], order_rows, left=1,
                      table_id="paper-order")
    return out


def _failures_section(data: ReportData) -> str:
    if not data.failures:
        return "<h2>Failures</h2><p>None.</p>"
    rows = [[_e(f.model_hash[:12]), _e(f.board), f.attempt, _e(f.kind), _e(f.message),
             f"<pre>{_e(f.console_excerpt[-400:])}</pre>" if f.console_excerpt else ""] for f in data.failures]
    return "<h2>Failures</h2>" + _table(["model", "board", "attempt", "kind", "message", "console (tail)"], rows,
                                        left=6, table_id="failures")


def render_html(data: ReportData, figures: dict[str, Path | None]) -> str:
    title = f"tinyhil report — {data.run.id}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">Generated {datetime.now(UTC).isoformat(timespec="seconds")} by tinyhil {__version__}. '
        "Latency = median cycles / core clock. Ops = paper ops (1 MAC = 2 ops).</p>",
        _summary_section(data),
        _run_section(data),
        _fits_section(data),
        _figure(figures.get("latency_vs_ops"), "Each point is one model; lines are OLS fits with their 95% prediction "
                "band (where a new model of that size is expected to fall).", "latency versus op count"),
        _figure(figures.get("residuals"), "Residuals: structure here means op count misses something.", "residuals"),
        _figure(figures.get("held_out_errors"), "Held-out error of the two latency models on identical folds.",
                "held-out errors"),
        _boards_section(data),
        _figure(figures.get("board_comparison"), "Throughput, fitted slopes and M4/M7 ratio.", "board comparison"),
        _paper_section(data),
        _figure(figures.get("paper_comparison"), "Fixed models: tinyhil latency vs the MicroNets paper (log–log).",
                "paper comparison"),
        _failures_section(data),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)
