"""A fitted latency model for one board and search space: the fits, their checks and provenance.

Saved as JSON (``format: tinyhil-latency-model``) and loaded back for prediction.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scipy import stats

from harness import __version__
from harness.latency.cross_validation import CrossValidation, HeldOutErrors, cross_validate
from harness.latency.layer_model import LayerTypeModel, fit_layer_model
from harness.latency.linear_fit import FIT_METHODS, LinearFit, fit_line
from harness.latency.op_counts import OpCounts, counts_from
from harness.latency.samples import FitDataError, LatencySample, arrays, check_samples, layer_features

FORMAT = "tinyhil-latency-model"
FORMAT_VERSION = 1
PREDICTORS = ("proxy", "robust", "layer_model")
Z_95 = 1.959963984540054


class LatencyModelFileError(ValueError):
    """A latency model file that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class Provenance:
    run_ids: tuple[str, ...]
    board: str
    space: str
    source: str  # "measured", "emulated" or "mixed"
    n: int
    date: str
    tinyhil_version: str
    store: str = ""


@dataclass(frozen=True)
class Prediction:
    ms: float
    sigma_ms: float  # 1σ uncertainty of one model's latency
    low_ms: float  # 95% prediction interval
    high_ms: float


@dataclass(frozen=True)
class LatencyModel:
    board: str
    space: str
    proxy: LinearFit  # OLS on total ops
    layer_model: LayerTypeModel
    ops_spearman: float  # rank correlation of op count with measured latency
    ops_kendall: float
    model_hashes: tuple[str, ...]  # the samples, in the order of proxy.residuals
    provenance: Provenance
    robust: LinearFit | None = None
    cross_validation: CrossValidation | None = None

    # -- prediction ----------------------------------------------------------------------------

    def predict(self, spec_or_counts: Any, *, use: str = "proxy") -> Prediction:
        counts = counts_from(spec_or_counts)
        return self.predict_counts(counts, use=use)

    def predict_counts(self, counts: OpCounts, *, use: str = "proxy") -> Prediction:
        if use not in PREDICTORS:
            raise ValueError(f"latency predictor: expected one of {PREDICTORS}, got {use!r}")
        mops = counts.ops / 1e6
        if use in ("proxy", "robust"):
            line = self.proxy if use == "proxy" else self.robust
            if line is None:
                raise ValueError(f"latency model {self.board}/{self.space}: has no robust fit; refit with --robust")
            ms = float(line.predict(mops))
            sigma = float(line.prediction_sigma(mops))
            low, high = (float(v) for v in line.prediction_band(mops))
            return Prediction(ms, sigma, low, high)
        if not counts.has_breakdown:
            raise ValueError(
                "latency predictor 'layer_model': the counts need ops_by_layer_type (ops per layer type) and layers"
            )
        ms = self.layer_model.predict(counts.ops_by_layer_type, counts.layers)
        sigma = self.layer_model.residual_std
        if self.cross_validation is not None:
            sigma = max(sigma, self.cross_validation.layer_model.rmse_ms)
        return Prediction(ms, sigma, ms - Z_95 * sigma, ms + Z_95 * sigma)

    # -- JSON ----------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, **dataclasses.asdict(self)}
        return _finite_or_none(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "latency model") -> LatencyModel:
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise LatencyModelFileError(f"{where}: format: expected {FORMAT!r}, got {data.get('format') if isinstance(data, Mapping) else data!r}")
        if data.get("format_version") != FORMAT_VERSION:
            raise LatencyModelFileError(
                f"{where}: format_version: expected {FORMAT_VERSION}, got {data.get('format_version')!r}"
            )
        try:
            cv = data.get("cross_validation")
            return cls(
                board=str(data["board"]),
                space=str(data["space"]),
                proxy=_linear_from(data["proxy"]),
                layer_model=LayerTypeModel(**{**data["layer_model"], "ms_per_mop": dict(data["layer_model"]["ms_per_mop"])}),
                ops_spearman=_num(data["ops_spearman"]),
                ops_kendall=_num(data["ops_kendall"]),
                model_hashes=tuple(data["model_hashes"]),
                provenance=Provenance(**{**data["provenance"], "run_ids": tuple(data["provenance"]["run_ids"])}),
                robust=_linear_from(data["robust"]) if data.get("robust") else None,
                cross_validation=None if not cv else CrossValidation(
                    k=int(cv["k"]),
                    seed=int(cv["seed"]),
                    folds=tuple(tuple(f) for f in cv["folds"]),
                    ops_proxy=_held_out_from(cv["ops_proxy"]),
                    layer_model=_held_out_from(cv["layer_model"]),
                ),
            )
        except KeyError as exc:
            raise LatencyModelFileError(f"{where}: missing field {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise LatencyModelFileError(f"{where}: malformed field: {exc}") from None

    def save(self, path: Path) -> Path:
        from harness.store.export import write_atomically

        path = Path(path)
        write_atomically(path, json.dumps(self.to_dict(), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path: Path) -> LatencyModel:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise LatencyModelFileError(f"{path}: not valid JSON: {exc}") from None
        return cls.from_dict(data, where=str(path))


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    return value


def _num(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _linear_from(d: Mapping[str, Any]) -> LinearFit:
    return LinearFit(
        method=d["method"], slope=_num(d["slope"]), intercept=_num(d["intercept"]),
        slope_ci=(_num(d["slope_ci"][0]), _num(d["slope_ci"][1])),
        intercept_ci=(_num(d["intercept_ci"][0]), _num(d["intercept_ci"][1])),
        r2=_num(d["r2"]), n=int(d["n"]), residual_std=_num(d["residual_std"]), x_mean=_num(d["x_mean"]),
        sxx=_num(d["sxx"]), t_crit=_num(d["t_crit"]), residuals=tuple(_num(r) for r in d["residuals"]),
        level=_num(d["level"]),
    )


def _held_out_from(d: Mapping[str, Any]) -> HeldOutErrors:
    return HeldOutErrors(**{k: (_num(v) if k != "predictions_ms" else tuple(_num(p) for p in v)) for k, v in d.items()})


def fit_latency_model(
    samples: Sequence[LatencySample],
    *,
    board: str,
    space: str,
    source: str = "",
    robust: str | None = None,
    k: int = 5,
    seed: int = 0,
    store_path: str = "",
) -> LatencyModel:
    """Fit the op-count proxy (OLS), an optional robust line, and the per-layer-type model.

    Cross-validation runs when there are at least ``2k`` samples (both models on the same folds).
    """
    what = f"board {board}, space {space or '(none)'}"
    check_samples(samples, minimum=3, what=what)
    if robust is not None and (robust not in FIT_METHODS or robust == "ols"):
        raise ValueError(f"robust fit: expected 'huber' or 'theil-sen', got {robust!r}")
    x, y = arrays(samples)
    proxy = fit_line(x, y, method="ols")
    robust_fit = fit_line(x, y, method=robust, seed=seed) if robust else None
    layer = fit_layer_model(layer_features(samples), y)
    cv = cross_validate(samples, k=k, seed=seed) if len(samples) >= 2 * k and k >= 2 else None
    run_ids = tuple(sorted({s.run_id for s in samples if s.run_id}))
    provenance = Provenance(
        run_ids=run_ids,
        board=board,
        space=space,
        source=source or "",
        n=len(samples),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        tinyhil_version=__version__,
        store=store_path,
    )
    return LatencyModel(
        board=board,
        space=space,
        proxy=proxy,
        layer_model=layer,
        ops_spearman=float(stats.spearmanr(x, y).statistic),
        ops_kendall=float(stats.kendalltau(x, y).statistic),
        model_hashes=tuple(s.model_hash for s in samples),
        provenance=provenance,
        robust=robust_fit,
        cross_validation=cv,
    )


def fit_from_store(store, *, board: str, space: str, source: str | None = None, run_ids: Sequence[str] | None = None,
                   robust: str | None = None, k: int = 5, seed: int = 0) -> LatencyModel:
    """Fit one board and space on the stored measurements (optionally only some runs or one source)."""
    from harness.latency.samples import samples_from_store

    samples = samples_from_store(store, board=board, space=space, source=source, run_ids=run_ids)
    if not samples:
        raise FitDataError(f"{store.path}: no measurements for board {board!r} in space {space!r}"
                           + (f" from {source}" if source else ""))
    sources = {i.measurement.source for i in store.measurements(board=board, space=space, source=source)}
    return fit_latency_model(samples, board=board, space=space, source=source or "/".join(sorted(sources)) or "",
                             robust=robust, k=k, seed=seed, store_path=str(store.path))


def residual_table(model: LatencyModel) -> list[tuple[str, float]]:
    return list(zip(model.model_hashes, model.proxy.residuals, strict=True))


__all__ = [
    "FORMAT",
    "LatencyModel",
    "LatencyModelFileError",
    "Prediction",
    "Provenance",
    "fit_from_store",
    "fit_latency_model",
    "residual_table",
]
