"""The pipeline's self-contained HTML report (inline CSS and PNG plots, no external files)."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.pipeline.run import PipelineResult

__all__ = ["write_report"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.ok{color:#127a12;font-weight:600}
.bad{color:#b00;font-weight:600}code,pre{background:#f6f6f6;padding:2px 4px}img{max-width:100%}
"""


_DATA = {
    "synthetic": "synthetic 49×10 MFCC-shaped keyword task (search on proxy speakers, training on device speakers, "
                 "evaluation on unseen speakers)",
    "espeak": "espeak-ng keyword set, 10 keywords, one device per voice (search on the devices' training clips, "
              "evaluation on held-out clips of every voice)",
}


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _plots(res: PipelineResult) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    if res.search_history:
        ep = [r["epoch"] for r in res.search_history]
        fig, ax = plt.subplots(1, 2, figsize=(10, 3.2))
        ax[0].plot(ep, [r["derived_usage"]["latency_ms"] for r in res.search_history], "o-", label="derived arch")
        ax[0].plot(ep, [r["expected_latency_ms"] for r in res.search_history], "s--", label="expected (softmax α)")
        ax[0].axhline(res.limits.latency_ms, color="r", lw=1, label="budget")
        ax[0].set_xlabel("search epoch")
        ax[0].set_ylabel("predicted latency (ms)")
        ax[0].set_yscale("log")
        ax[0].legend(fontsize=8)
        ax[1].plot(ep, [r["derived_usage"]["sram_bytes"] / 1024 for r in res.search_history], "o-", label="derived SRAM")
        ax[1].axhline(res.limits.sram_bytes / 1024, color="r", lw=1, label="SRAM budget")
        ax[1].set_xlabel("search epoch")
        ax[1].set_ylabel("working memory (KiB)")
        ax[1].legend(fontsize=8)
        out.append(("DNAS: the architecture against the budget, per epoch", _png(fig)))
    if res.federated_history:
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.plot([r["round"] for r in res.federated_history], [r["accuracy"] for r in res.federated_history], "o-")
        ax.set_xlabel("round")
        ax.set_ylabel("held-out accuracy (float)")
        ax.set_title(res.config.algorithm)
        out.append(("Federated training", _png(fig)))
    return out


def _row(name: str, value: str, limit: str = "", ok: bool | None = None) -> str:
    verdict = "" if ok is None else (f'<span class="{"ok" if ok else "bad"}">{"within" if ok else "over"}</span>')
    return f"<tr><td>{html.escape(name)}</td><td>{value}</td><td>{limit}</td><td>{verdict}</td></tr>"


def write_report(res: PipelineResult, path: Path) -> Path:
    from harness.store.export import write_atomically

    s = res.summary()
    lim = res.limits
    err = s["latency_error_pct"]
    spec = res.spec
    layers = " – ".join(
        f"{layer['type']}({layer.get('filters', '')}{', s' + str(layer['stride'][0]) if layer.get('stride', [1])[0] != 1 else ''})"
        if layer["type"] != "avgpool" else "avgpool(2x2, s2)" for layer in spec.get("layers", [])
    )
    rows = [
        _row("latency, predicted (fit)", f"{res.predicted_latency_ms:.2f} ms", f"{lim.latency_ms:g} ms",
             res.predicted_latency_ms <= lim.latency_ms),
        _row("latency, measured (twin)", f"{res.measured_latency_ms:.2f} ms ({res.cycles} cycles)",
             f"{lim.latency_ms:g} ms", res.measured_latency_ms <= lim.latency_ms),
        _row("prediction error (measured vs line)", f"{err:+.1f} %" if err is not None else "–"),
        _row("latency, per-layer-type model (not searched on)",
             f"{res.predicted_latency_layer_ms:.2f} ms" if res.predicted_latency_layer_ms is not None else "–"),
        _row("SRAM: working memory (count)", f"{res.working_memory_bytes} B", f"{lim.sram_bytes} B",
             res.working_memory_bytes <= lim.sram_bytes),
        _row("SRAM: engine arena + input buffer", f"{res.arena_needed_bytes} B",
             f"{lim.arena_bytes} B arena of {lim.board_sram_bytes} B", res.arena_needed_bytes <= lim.arena_bytes),
        _row("flash: compiled plan", f"{res.plan_bytes} B", f"{res.plan_slot_bytes} B plan slot",
             res.plan_bytes <= res.plan_slot_bytes),
        _row("flash: counter's estimate (searched on)", f"{res.flash_estimate_bytes} B", f"{lim.flash_bytes} B",
             res.flash_estimate_bytes <= lim.flash_bytes),
        _row("ops", f"{res.mops:.3f} Mops"),
        _row("accuracy, float (held-out speakers)", f"{100 * res.float_accuracy:.2f} %"),
        _row("accuracy, int8 (TFLite reference kernels)", f"{100 * res.int8_accuracy:.2f} %"),
        _row("bit-exact on the twin vs TFLM oracle", f"{res.bit_exact_inputs} inputs, all equal", "", True),
    ]
    fit = res.latency_fit
    plots = "".join(f"<h3>{html.escape(t)}</h3><img src='{src}' alt='{html.escape(t)}'>" for t, src in _plots(res))
    last = res.search_history[-1] if res.search_history else {}
    body = f"""<!doctype html><html><head><meta charset="utf-8"><title>tinyhil pipeline: {html.escape(lim.board)}</title>
<style>{_CSS}</style></head><body>
<h1>tinyhil pipeline — {html.escape(res.config.task)} on {html.escape(lim.board)} (emulated twin)</h1>
<p>Budget: {lim.latency_ms:g} ms, {lim.sram_bytes} B working memory (firmware arena {lim.arena_bytes} B minus the
{lim.input_bytes} B input buffer), {lim.flash_bytes} B plan slot.
Latency model {html.escape(fit['board'])}/{html.escape(fit['space'])}: {fit['slope_ms_per_mop']:.4g} ms/Mop +
{fit['intercept_ms']:.4g} ms (n={fit['n']}, r²={fit['r2']:.3f}{', fitted in this run' if fit['fitted_now'] else ''}).</p>
<h2>Result</h2>
<p>Architecture <code>{html.escape(str(spec.get('hash', '')))}</code>: {html.escape(layers)} – avgpool – fc({spec.get('num_classes')})</p>
<table><tr><th>quantity</th><th>value</th><th>limit</th><th></th></tr>{''.join(rows)}</table>
<h2>Search and training</h2>
<p>DNAS: {len(res.search_history)} epochs in {res.search_seconds:.0f} s; last τ = {last.get('tau', '–')};
federated: {html.escape(res.config.algorithm)}, {res.config.rounds} rounds, {res.config.devices} simulated devices
(speakers), participation {res.config.participation:g}, init from {html.escape(res.config.init)} weights.
Data: {_DATA[res.config.data]}.</p>
{plots}
<h2>Files and settings</h2>
<pre>{html.escape(json.dumps({"files": res.files, "timings_s": {k: round(v, 1) for k, v in res.timings.items()},
                             "config": s["config"]}, indent=2))}</pre>
<details><summary>Architecture spec (JSON)</summary><pre>{html.escape(json.dumps(spec, indent=2))}</pre></details>
</body></html>
"""
    write_atomically(Path(path), body)
    return Path(path)
