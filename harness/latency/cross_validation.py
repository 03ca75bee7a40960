"""k-fold held-out comparison of the op-count proxy and the per-layer-type model on the same folds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from harness.latency.layer_model import fit_layer_model
from harness.latency.linear_fit import fit_line
from harness.latency.samples import LatencySample, arrays, layer_features


@dataclass(frozen=True)
class HeldOutErrors:
    """Errors of predictions each made by a model that never saw that sample."""

    mape_pct: float
    max_abs_error_ms: float
    max_pct_error: float
    rmse_ms: float
    spearman: float  # rank agreement of held-out predictions with measured latency
    kendall: float
    predictions_ms: tuple[float, ...]

    @classmethod
    def from_predictions(cls, y_ms: np.ndarray, pred_ms: np.ndarray) -> HeldOutErrors:
        err = pred_ms - y_ms
        pct = np.abs(err) / y_ms * 100.0
        rho = stats.spearmanr(y_ms, pred_ms).statistic if np.ptp(pred_ms) > 0 else float("nan")
        tau = stats.kendalltau(y_ms, pred_ms).statistic if np.ptp(pred_ms) > 0 else float("nan")
        return cls(
            mape_pct=float(pct.mean()),
            max_abs_error_ms=float(np.abs(err).max()),
            max_pct_error=float(pct.max()),
            rmse_ms=float(np.sqrt(np.mean(err**2))),
            spearman=float(rho),
            kendall=float(tau),
            predictions_ms=tuple(float(p) for p in pred_ms),
        )


@dataclass(frozen=True)
class CrossValidation:
    k: int
    seed: int
    folds: tuple[tuple[int, ...], ...]  # test indices of each fold
    ops_proxy: HeldOutErrors
    layer_model: HeldOutErrors


def kfold_indices(n: int, k: int, seed: int = 0) -> list[np.ndarray]:
    """``k`` disjoint test folds covering ``range(n)``, sizes differing by at most one, shuffled by ``seed``."""
    if k < 2:
        raise ValueError(f"k-fold: expected k >= 2, got {k}")
    if n < k:
        raise ValueError(f"k-fold: {k} folds need at least {k} samples, got {n}")
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(fold) for fold in np.array_split(order, k)]


def cross_validate(samples: Sequence[LatencySample], *, k: int = 5, seed: int = 0, method: str = "ols") -> CrossValidation:
    """Fit both models on k-1 folds and predict the held-out fold, for every fold."""
    x, y = arrays(samples)
    features = layer_features(samples)
    n = len(y)
    folds = kfold_indices(n, k, seed)
    proxy_pred = np.empty(n)
    layer_pred = np.empty(n)
    for test in folds:
        train = np.setdiff1d(np.arange(n), test)
        line = fit_line(x[train], y[train], method=method, n_bootstrap=0)
        proxy_pred[test] = line.predict(x[test])
        layer_pred[test] = fit_layer_model(features[train], y[train]).predict_features(features[test])
    return CrossValidation(
        k=k,
        seed=seed,
        folds=tuple(tuple(int(i) for i in f) for f in folds),
        ops_proxy=HeldOutErrors.from_predictions(y, proxy_pred),
        layer_model=HeldOutErrors.from_predictions(y, layer_pred),
    )
