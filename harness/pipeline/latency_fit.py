"""The board's latency line for DNAS: the saved fit, or a small sweep and fit when there is none.

A fit made here is stamped with the firmware image's hash (``<model>.firmware`` next to the JSON);
when the firmware changes (new kernels change every latency), the next run sweeps and fits again.
"""

from __future__ import annotations

import logging
from pathlib import Path

from harness.latency.fitted_model import LatencyModel, fit_from_store
from harness.latency.predictor import (
    LatencyPredictor,
    NoLatencyModelError,
    default_models_dir,
    model_filename,
)

log = logging.getLogger(__name__)

__all__ = ["find_latency_model", "ensure_latency_model"]


def find_latency_model(board: str, space: str, models_dir: Path | None = None, *, twin: bool = True) -> LatencyModel:
    """The saved model of ``board`` (its twin when ``twin``) and ``space``; NoLatencyModelError if none."""
    directory = Path(models_dir) if models_dir else default_models_dir()
    target = f"{board}@twin" if twin else board
    predictor = LatencyPredictor.from_dir(directory)
    model = predictor.model_for(target, space)
    if model.board != target:
        # model_for falls back to the real/twin counterpart; the pipeline measures on `target`.
        raise NoLatencyModelError(f"{directory}: no latency model for {target} (only for {model.board})")
    return model


def ensure_latency_model(board: str, space: str, *, store_path: Path, models_dir: Path | None = None, n: int = 12,
                         seed: int = 0, twin: bool = True, progress: bool = True) -> tuple[LatencyModel, bool]:
    """(model, fitted_now): load the saved fit, or sweep ``n`` architectures on the board and fit."""
    from harness.boards import get_board
    from harness.firmware.build import build_firmware
    from harness.runtime.sweep import SweepConfig, run_sweep
    from harness.store.results_store import ResultsStore

    directory = Path(models_dir) if models_dir else default_models_dir()
    target = f"{board}@twin" if twin else board
    stamp = directory / (model_filename(target, space).removesuffix(".json") + ".firmware")
    firmware = build_firmware(get_board(board), "twin" if twin else "real").hash
    try:
        model = find_latency_model(board, space, directory, twin=twin)
        recorded = stamp.read_text().strip() if stamp.is_file() else None
        if recorded is None or recorded == firmware:
            if recorded is None:
                log.warning("%s: fitted outside the pipeline; its firmware is not known to match %s", target, firmware)
            return model, False
        log.warning("%s: the latency fit was measured on firmware %s, the current firmware is %s; refitting",
                    target, recorded, firmware)
    except NoLatencyModelError as exc:
        log.info("%s; sweeping %d %s architectures on %s", exc, n, space, board)
    if n < 3:
        raise ValueError(f"latency sweep: at least 3 architectures are needed for a fit, got {n}")
    summary = run_sweep(SweepConfig(space=space, n=n, boards=(board,), twin=twin, seed=seed), store_path,
                        progress=progress, run_kind=f"pipeline-sweep-{firmware[:12]}")  # new firmware: new run
    if summary.measured < 3:
        why = "; ".join(summary.worker_errors)[:500] or "too few architectures measured"
        raise RuntimeError(f"latency sweep on {target}: {summary.measured} of {n} architectures measured ({why})")
    with ResultsStore(store_path) as store:
        model = fit_from_store(store, board=target, space=space, run_ids=[summary.run_id], k=min(5, n), seed=seed)
    model.save(directory / model_filename(target, space))
    stamp.write_text(firmware + "\n")  # which firmware the fit describes (the engine's kernels change latency)
    return model, True
