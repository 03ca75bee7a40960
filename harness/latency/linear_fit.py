"""Single-variable latency models: latency_ms = slope · Mops + intercept.

``ols`` is ordinary least squares with exact t-based 95% confidence intervals of slope and
intercept and a 95% prediction band for a new model. ``huber`` (iteratively reweighted least
squares with Huber weights) and ``theil-sen`` (median of pairwise slopes) resist outliers; their
confidence intervals come from a seeded pairs bootstrap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

FIT_METHODS = ("ols", "huber", "theil-sen")
HUBER_K = 1.345  # 95% efficiency under normal errors
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class LinearFit:
    method: str
    slope: float  # ms per Mop
    intercept: float  # ms
    slope_ci: tuple[float, float]
    intercept_ci: tuple[float, float]
    r2: float
    n: int
    residual_std: float  # ms: the scatter of a single model around the line
    x_mean: float
    sxx: float
    t_crit: float
    residuals: tuple[float, ...] = ()
    level: float = 0.95

    def predict(self, mops: np.ndarray | float) -> np.ndarray | float:
        result = self.slope * np.asarray(mops, dtype=float) + self.intercept
        return result if np.ndim(mops) else float(result)

    def prediction_sigma(self, mops: np.ndarray | float) -> np.ndarray | float:
        """Standard error (ms) of one new model's latency at ``mops``: scatter plus line uncertainty."""
        x = np.asarray(mops, dtype=float)
        se = self.residual_std * np.sqrt(1.0 + 1.0 / self.n + (x - self.x_mean) ** 2 / self.sxx)
        return se if np.ndim(mops) else float(se)

    def prediction_band(self, mops: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """The ``level`` prediction interval of a new model's latency."""
        centre = np.asarray(self.predict(mops))
        half = self.t_crit * np.asarray(self.prediction_sigma(mops))
        return centre - half, centre + half

    def confidence_band(self, mops: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """The ``level`` confidence interval of the fitted line itself."""
        x = np.asarray(mops, dtype=float)
        half = self.t_crit * self.residual_std * np.sqrt(1.0 / self.n + (x - self.x_mean) ** 2 / self.sxx)
        centre = np.asarray(self.predict(x))
        return centre - half, centre + half

    @property
    def mops_per_second(self) -> float:
        """Marginal throughput: Mops executed per second of added latency (1000 / slope)."""
        return 1000.0 / self.slope if self.slope > 0 else float("inf")


def _r2(y: np.ndarray, fitted: np.ndarray) -> float:
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - fitted) ** 2)) / ss_tot if ss_tot > 0 else 1.0


def _weighted_line(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    sw = w.sum()
    xm, ym = (w * x).sum() / sw, (w * y).sum() / sw
    dx = x - xm
    slope = (w * dx * (y - ym)).sum() / (w * dx * dx).sum()
    return float(slope), float(ym - slope * xm)


def _huber_line(x: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[float, float, float]:
    """Huber M-estimate of (slope, intercept) by IRLS; also returns the robust residual scale."""
    slope, intercept = _weighted_line(x, y, np.ones_like(x))
    scale = 0.0
    for _ in range(iterations):
        r = y - (slope * x + intercept)
        scale = MAD_TO_SIGMA * float(np.median(np.abs(r - np.median(r))))
        if scale <= 0:
            break
        u = np.abs(r) / (HUBER_K * scale)
        w = np.where(u <= 1, 1.0, 1.0 / np.maximum(u, 1e-12))
        new_slope, new_intercept = _weighted_line(x, y, w)
        done = abs(new_slope - slope) <= 1e-9 * max(1.0, abs(slope)) and abs(new_intercept - intercept) <= 1e-9 * max(
            1.0, abs(intercept)
        )
        slope, intercept = new_slope, new_intercept
        if done:
            break
    return slope, intercept, scale


def _robust_line(method: str, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if method == "huber":
        slope, intercept, _ = _huber_line(x, y)
        return slope, intercept
    res = stats.theilslopes(y, x)
    return float(res.slope), float(res.intercept)


def fit_line(x_mops: np.ndarray, y_ms: np.ndarray, *, method: str = "ols", level: float = 0.95,
             n_bootstrap: int = 300, seed: int = 0) -> LinearFit:
    """Fit latency = slope · Mops + intercept. Needs at least 3 points with distinct op counts."""
    if method not in FIT_METHODS:
        raise ValueError(f"fit method: expected one of {FIT_METHODS}, got {method!r}")
    x = np.asarray(x_mops, dtype=float)
    y = np.asarray(y_ms, dtype=float)
    n = len(x)
    if n < 3 or np.ptp(x) == 0:
        raise ValueError(f"a line needs at least 3 points with different op counts, got {n}")
    x_mean = float(x.mean())
    sxx = float(np.sum((x - x_mean) ** 2))
    t_crit = float(stats.t.ppf(0.5 + level / 2, n - 2))
    if method == "ols":
        res = stats.linregress(x, y)
        slope, intercept = float(res.slope), float(res.intercept)
        resid = y - (slope * x + intercept)
        s = float(np.sqrt(np.sum(resid**2) / (n - 2)))
        slope_ci = (slope - t_crit * res.stderr, slope + t_crit * res.stderr)
        intercept_ci = (intercept - t_crit * res.intercept_stderr, intercept + t_crit * res.intercept_stderr)
    else:
        slope, intercept = _robust_line(method, x, y)
        resid = y - (slope * x + intercept)
        s = MAD_TO_SIGMA * float(np.median(np.abs(resid - np.median(resid))))
        if s == 0:
            s = float(np.sqrt(np.sum(resid**2) / (n - 2)))
        rng = np.random.default_rng(seed)
        boot = []
        for _ in range(n_bootstrap):
            idx = rng.integers(0, n, n)
            if np.ptp(x[idx]) == 0:
                continue
            boot.append(_robust_line(method, x[idx], y[idx]))
        if boot:
            b = np.array(boot)
            lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
            slope_ci = (float(np.percentile(b[:, 0], lo)), float(np.percentile(b[:, 0], hi)))
            intercept_ci = (float(np.percentile(b[:, 1], lo)), float(np.percentile(b[:, 1], hi)))
        else:  # no bootstrap asked for (e.g. inside cross-validation): no intervals
            slope_ci = intercept_ci = (float("nan"), float("nan"))
    return LinearFit(
        method=method,
        slope=slope,
        intercept=intercept,
        slope_ci=(float(slope_ci[0]), float(slope_ci[1])),
        intercept_ci=(float(intercept_ci[0]), float(intercept_ci[1])),
        r2=_r2(y, slope * x + intercept),
        n=n,
        residual_std=s,
        x_mean=x_mean,
        sxx=sxx,
        t_crit=t_crit,
        residuals=tuple(float(r) for r in resid),
        level=level,
    )
