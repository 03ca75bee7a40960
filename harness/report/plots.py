"""The report's figures (matplotlib, PNG). Each function returns the file written, or None if no data."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as ticker  # noqa: E402
import numpy as np  # noqa: E402

from harness.report.analysis import ReportData  # noqa: E402
from harness.report.paper_reference import PAPER_S_OVER_M_RATIO, board_letter  # noqa: E402

BOARD_COLOURS = {
    "nucleo-f446re": "#1f77b4",
    "nucleo-f746zg": "#d62728",
    "nucleo-f767zi": "#2ca02c",
    "nrf52840dk": "#9467bd",
}
FALLBACK_COLOURS = ["#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
STYLE = {
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "legend.fontsize": 9.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "figure.constrained_layout.use": True,
}


def board_colour(board: str, order: list[str]) -> str:
    base = board.removesuffix("@twin")
    if base in BOARD_COLOURS:
        return BOARD_COLOURS[base]
    return FALLBACK_COLOURS[order.index(board) % len(FALLBACK_COLOURS)] if board in order else FALLBACK_COLOURS[0]


def board_label(board: str, *, short: bool = False) -> str:
    """``nucleo-f446re@twin`` → ``F446RE twin (S)`` (``short``: without the paper letter)."""
    letter = board_letter(board)
    name = board.removesuffix("@twin").replace("nucleo-", "").upper()
    twin = " twin" if board.endswith("@twin") else ""
    return f"{name}{twin}" + (f" ({letter})" if letter and not short else "")


def _grid(n: int, max_cols: int = 2) -> tuple[int, int]:
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, format="png")
    plt.close(fig)
    tmp.replace(path)
    return path


def latency_vs_ops(data: ReportData, path: Path) -> Path | None:
    """Per space: every board's models, its OLS line and 95% prediction band."""
    spaces = data.spaces
    if not spaces:
        return None
    order = data.board_names
    with plt.rc_context(STYLE):
        rows, cols = _grid(len(spaces))
        fig, axes = plt.subplots(rows, cols, figsize=(7.2 * cols, 5.0 * rows), squeeze=False)
        for ax, space in zip(axes.flat, spaces, strict=False):
            for (board, sp), fit in sorted(data.fits.items()):
                if sp != space:
                    continue
                colour = board_colour(board, order)
                items = [i for i in data.measurements if i.board.name == board and i.model.space == space]
                x = np.array([i.model.ops / 1e6 for i in items])
                y = np.array([i.latency_ms for i in items])
                grid = np.linspace(0, x.max() * 1.05, 200)
                lo, hi = fit.proxy.prediction_band(grid)
                ax.fill_between(grid, lo, hi, color=colour, alpha=0.13, linewidth=0)
                ax.plot(grid, fit.proxy.predict(grid), color=colour, linewidth=2)
                ax.scatter(x, y, s=22, color=colour, alpha=0.8, edgecolor="white", linewidth=0.5,
                           label=f"{board_label(board)}: {fit.proxy.slope:.3g} ms/Mop, r² = {fit.proxy.r2:.3f}")
            ax.set_title(f"Latency vs op count — {space} space")
            ax.set_xlabel("model size (Mops; 1 MAC = 2 ops)")
            ax.set_ylabel("latency (ms)")
            ax.set_xlim(left=0)
            ax.set_ylim(bottom=0)
            handles, labels = ax.get_legend_handles_labels()
            band = plt.Rectangle((0, 0), 1, 1, color="grey", alpha=0.2)
            ax.legend(handles + [band], labels + ["95% prediction band"], loc="upper left", frameon=False)
        for ax in list(axes.flat)[len(spaces):]:
            ax.set_visible(False)
        return _save(fig, path)


def residuals(data: ReportData, path: Path) -> Path | None:
    """Residuals of each board/space OLS fit against op count, with the ±1.96σ scatter band."""
    if not data.fits:
        return None
    order = data.board_names
    keys = sorted(data.fits)
    with plt.rc_context(STYLE):
        rows, cols = _grid(len(keys), 2 if len(keys) <= 4 else 3)
        fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.8 * rows), squeeze=False)
        for ax, key in zip(axes.flat, keys, strict=False):
            fit = data.fits[key]
            board, space = key
            mops = {i.model.hash: i.model.ops / 1e6 for i in data.measurements
                    if i.board.name == board and i.model.space == space}
            x = np.array([mops[h] for h in fit.model_hashes])
            r = np.array(fit.proxy.residuals)
            colour = board_colour(board, order)
            s = fit.proxy.residual_std
            ax.axhspan(-1.96 * s, 1.96 * s, color=colour, alpha=0.1, linewidth=0, label="±1.96 σ")
            ax.axhline(0, color="black", linewidth=0.8)
            ax.scatter(x, r, s=18, color=colour, alpha=0.85, edgecolor="white", linewidth=0.5)
            ax.set_title(f"{board_label(board)} — {space}", fontsize=11)
            ax.set_xlabel("model size (Mops)")
            ax.set_ylabel("measured − fit (ms)")
            ax.legend(loc="upper left", frameon=False)
        for ax in list(axes.flat)[len(keys):]:
            ax.set_visible(False)
        fig.suptitle("Residuals of the linear op-count fits", fontsize=13, fontweight="bold")
        return _save(fig, path)


def held_out_errors(data: ReportData, path: Path) -> Path | None:
    """k-fold held-out MAPE of the op-count proxy vs the per-layer-type model, on the same folds."""
    keys = [k for k in sorted(data.fits) if data.fits[k].cross_validation is not None]
    if not keys:
        return None
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(keys) + 2), 4.4))
        pos = np.arange(len(keys))
        proxy = [data.fits[k].cross_validation.ops_proxy.mape_pct for k in keys]
        layer = [data.fits[k].cross_validation.layer_model.mape_pct for k in keys]
        b1 = ax.bar(pos - 0.2, proxy, 0.4, label="op count (single variable)", color="#7f7f7f")
        b2 = ax.bar(pos + 0.2, layer, 0.4, label="per-layer-type ops + layers (NNLS)", color="#17becf")
        ax.bar_label(b1, fmt="%.1f", fontsize=9, padding=2)
        ax.bar_label(b2, fmt="%.1f", fontsize=9, padding=2)
        ax.set_xticks(pos, [f"{board_label(b)}\n{s}" for b, s in keys], fontsize=9.5)
        ax.set_ylabel("held-out MAPE (%)")
        k = data.fits[keys[0]].cross_validation.k
        ax.set_title(f"Which predicts latency better? ({k}-fold held-out error)")
        ax.legend(frameon=False)
        ax.set_ylim(0, max(proxy + layer) * 1.25 or 1)
        return _save(fig, path)


def board_comparison(data: ReportData, path: Path) -> Path | None:
    """Throughput and slope per board, and the M4/M7 latency ratio on the same models."""
    if not data.fits and not data.core_ratios:
        return None
    order = data.board_names
    panels = 2 + (1 if data.core_ratios else 0)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, panels, figsize=(5.6 * panels, 4.6))
        keys = sorted(data.fits)
        pos = np.arange(len(keys))
        labels = [f"{board_label(b, short=True)} · {s}" for b, s in keys]
        colours = [board_colour(b, order) for b, _ in keys]
        ax = axes[0]
        rates = [data.fits[k].proxy.mops_per_second for k in keys]
        bars = ax.bar(pos, rates, color=colours)
        ax.bar_label(bars, fmt="%.0f", fontsize=9, padding=2)
        ax.set_xticks(pos, labels, fontsize=8.5, rotation=30, ha="right", rotation_mode="anchor")
        ax.set_ylabel("Mops per second (1000 / slope)")
        ax.set_title("Throughput")
        ax = axes[1]
        slopes = np.array([data.fits[k].proxy.slope for k in keys])
        ci = np.array([data.fits[k].proxy.slope_ci for k in keys]).reshape(-1, 2)
        ax.errorbar(pos, slopes, yerr=[slopes - ci[:, 0], ci[:, 1] - slopes], fmt="none", ecolor="black",
                    capsize=5, linewidth=1.2)
        ax.scatter(pos, slopes, color=colours, s=60, zorder=3)
        ax.set_xticks(pos, labels, fontsize=8.5, rotation=30, ha="right", rotation_mode="anchor")
        ax.set_xlim(-0.6, len(keys) - 0.4)
        ax.set_ylabel("slope (ms per Mop)")
        ax.set_ylim(bottom=0)
        ax.set_title("Fitted slope with 95% CI")
        if data.core_ratios:
            ax = axes[2]
            lo, hi = PAPER_S_OVER_M_RATIO
            ax.axhspan(lo, hi, color="gold", alpha=0.35, linewidth=0, label=f"paper S/M range {lo}–{hi}")
            for ratio in data.core_ratios:
                ax.scatter(ratio.mops, ratio.ratios, s=20, alpha=0.8, color=board_colour(ratio.m7_board, order),
                           edgecolor="white", linewidth=0.5,
                           label=f"{board_label(ratio.m4_board)} / {board_label(ratio.m7_board)}: "
                                 f"median {ratio.median:.2f}")
            ax.set_xlabel("model size (Mops)")
            ax.set_ylabel("latency ratio M4 / M7")
            every = [v for r in data.core_ratios for v in r.ratios] + [lo, hi]
            span = max(every) - min(every)
            ax.set_ylim(min(every) - 0.6 * span - 0.05, max(every) + 0.6 * span + 0.05)
            ax.set_title("Cortex-M4 vs M7 on the same models")
            ax.legend(frameon=False, loc="lower center", fontsize=8.5)
        fig.suptitle("Per-board comparison", fontsize=13, fontweight="bold")
        return _save(fig, path)


def paper_comparison(data: ReportData, path: Path) -> Path | None:
    """Measured latency of fixed models against MicroNets Table 4, log–log with y = x."""
    points = [(c, b) for c in data.paper for b in c.measured_ms if c.paper_ms.get(b)]
    if not points:
        return None
    order = data.board_names
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 5.6))
        xs = [c.paper_ms[b] for c, b in points]
        ys = [c.measured_ms[b] for c, b in points]
        low, high = min(xs + ys) / 1.6, max(xs + ys) * 1.6
        ax.plot([low, high], [low, high], color="black", linewidth=1, linestyle="--", label="measured = paper")
        seen: list[str] = []
        for c, b in points:
            label = None
            if b not in seen:
                seen.append(b)
                label = board_label(b)
            ax.scatter(c.paper_ms[b], c.measured_ms[b], s=55, color=board_colour(b, order), label=label,
                       edgecolor="white", linewidth=0.6, zorder=3)
            right = seen.index(b) % 2 == 0  # alternate label sides by board so neighbours do not collide
            ax.annotate(f"{c.paper.name} ×{c.ratio(b):.2f}", (c.paper_ms[b], c.measured_ms[b]),
                        textcoords="offset points", xytext=(7, -4) if right else (-7, 2),
                        ha="left" if right else "right", fontsize=8.5, color=board_colour(b, order))
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            axis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
        ax.set_xlabel("MicroNets Table 4 latency (ms)")
        ax.set_ylabel("tinyhil latency (ms)")
        ax.set_title("Fixed models against the paper (×ratio = tinyhil / paper)")
        ax.legend(frameon=False, loc="upper left")
        return _save(fig, path)
