"""Latency prediction from saved latency models: what DNAS calls during a search.

``tinyhil fit`` saves one JSON file per (board, space) in ``results/latency_models/`` (or a
directory given). ``predict_latency(counts, board)`` picks the model for that board (and the
counts' search space, when several are fitted) and returns (ms, 1σ uncertainty in ms).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.latency.fitted_model import LatencyModel, Prediction
from harness.latency.op_counts import counts_from
from harness.paths import RESULTS_DIR

log = logging.getLogger(__name__)

TWIN_SUFFIX = "@twin"


def default_models_dir() -> Path:
    return RESULTS_DIR / "latency_models"


def model_filename(board: str, space: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in f"{board}__{space or 'any'}")
    return f"{safe}.json"


class NoLatencyModelError(LookupError):
    """No fitted latency model for the board (and space) asked for."""

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0])


class LatencyPredictor:
    """A set of fitted latency models, looked up by board and search space."""

    def __init__(self, models: Iterable[LatencyModel], *, where: str = "latency models"):
        self.models = list(models)
        self.where = where

    @classmethod
    def from_dir(cls, directory: Path | None = None) -> LatencyPredictor:
        directory = Path(directory) if directory else default_models_dir()
        if not directory.is_dir():
            raise NoLatencyModelError(f"{directory}: no such directory of latency models; run `tinyhil fit` first")
        return cls((LatencyModel.load(p) for p in sorted(directory.glob("*.json"))), where=str(directory))

    def model_for(self, board: str, space: str | None = None) -> LatencyModel:
        """The model of ``board`` (exactly; else its real/twin counterpart) and ``space``."""
        counterpart = board.removesuffix(TWIN_SUFFIX) if board.endswith(TWIN_SUFFIX) else board + TWIN_SUFFIX
        for name in (board, counterpart):
            found = [m for m in self.models if m.board == name and (space is None or m.space == space)]
            if len(found) > 1:
                spaces = sorted(m.space for m in found)
                raise NoLatencyModelError(
                    f"{self.where}: board {name} has latency models for spaces {spaces}; say which space"
                )
            if found:
                if name != board:
                    log.warning("no latency model for %s; using the one fitted on %s", board, name)
                return found[0]
        have = sorted({f"{m.board}/{m.space}" for m in self.models}) or ["none"]
        raise NoLatencyModelError(
            f"{self.where}: no latency model for board {board!r}"
            + (f" and space {space!r}" if space else "")
            + f" (have: {', '.join(have)})"
        )

    def predict(self, spec_or_counts: Any, board: str, *, space: str | None = None, use: str = "proxy") -> Prediction:
        counts = counts_from(spec_or_counts)
        model = self.model_for(board, space or counts.space)
        return model.predict_counts(counts, use=use)


_CACHE: dict[Path, tuple[tuple[tuple[str, float], ...], LatencyPredictor]] = {}


def _cached_predictor(directory: Path) -> LatencyPredictor:
    directory = directory.resolve()
    signature = tuple(sorted((p.name, p.stat().st_mtime) for p in directory.glob("*.json"))) if directory.is_dir() else ()
    cached = _CACHE.get(directory)
    if cached is None or cached[0] != signature:
        cached = (signature, LatencyPredictor.from_dir(directory))
        _CACHE[directory] = cached
    return cached[1]


def predict_latency(
    spec_or_counts: Any,
    board: str,
    *,
    space: str | None = None,
    models_dir: Path | None = None,
    model: LatencyModel | None = None,
    use: str = "proxy",
) -> tuple[float, float]:
    """Predicted latency of a model on ``board``: (milliseconds, 1σ uncertainty in milliseconds).

    ``spec_or_counts`` is a dict such as ``{"ops": 3.1e7, "ops_by_layer_type": {...}, "layers": 12}``
    (see ``harness.latency.op_counts``). ``use`` is ``"proxy"`` (latency linear in total ops),
    ``"robust"`` or ``"layer_model"`` (needs the per-layer-type breakdown). The 95% interval is
    about ±1.96σ. Pass ``model`` to skip the lookup in ``models_dir``.
    """
    if model is not None:
        prediction = model.predict(spec_or_counts, use=use)
    else:
        predictor = _cached_predictor(Path(models_dir) if models_dir else default_models_dir())
        prediction = predictor.predict(spec_or_counts, board, space=space, use=use)
    return prediction.ms, prediction.sigma_ms
