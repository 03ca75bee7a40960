from __future__ import annotations

import numpy as np
import pytest

from harness.latency import fit_line


def _draw(rng, n=30, slope=7.5, intercept=3.0, sigma=2.0):
    x = rng.uniform(1.0, 40.0, n)
    return x, slope * x + intercept + rng.normal(0, sigma, n)


def test_ols_recovers_known_slope_and_intercept_within_ci():
    rng = np.random.default_rng(11)
    x, y = _draw(rng, n=200)
    fit = fit_line(x, y)
    assert fit.slope_ci[0] < 7.5 < fit.slope_ci[1]
    assert fit.intercept_ci[0] < 3.0 < fit.intercept_ci[1]
    assert fit.residual_std == pytest.approx(2.0, rel=0.15)
    assert 0.98 < fit.r2 < 1.0
    assert len(fit.residuals) == 200 and abs(np.mean(fit.residuals)) < 1e-9
    assert fit.mops_per_second == pytest.approx(1000 / fit.slope)


def test_ci_coverage_over_repeated_draws_is_about_95_percent():
    rng = np.random.default_rng(2026)
    draws = 1000
    slope_hits = intercept_hits = band_hits = 0
    for _ in range(draws):
        x, y = _draw(rng)
        fit = fit_line(x, y)
        slope_hits += fit.slope_ci[0] <= 7.5 <= fit.slope_ci[1]
        intercept_hits += fit.intercept_ci[0] <= 3.0 <= fit.intercept_ci[1]
        # a fresh model at x=20 falls in the 95% prediction band about 95% of the time
        lo, hi = fit.prediction_band(np.array([20.0]))
        new = 7.5 * 20 + 3.0 + rng.normal(0, 2.0)
        band_hits += lo[0] <= new <= hi[0]
    # binomial standard error at p=0.95, 1000 draws: 0.0069; allow about 3 of them
    for hits in (slope_hits, intercept_hits, band_hits):
        assert 0.93 <= hits / draws <= 0.97, hits / draws


def test_too_few_or_degenerate_points_are_refused():
    with pytest.raises(ValueError, match="at least 3 points"):
        fit_line(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="different op counts"):
        fit_line(np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="fit method"):
        fit_line(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]), method="lasso")


@pytest.mark.parametrize("method", ["huber", "theil-sen"])
def test_robust_fit_resists_outliers_that_pull_ols_away(method):
    rng = np.random.default_rng(5)
    x, y = _draw(rng, n=80, sigma=1.0)
    y[:8] += 300.0  # eight models hit a pathological case (e.g. unaligned channels)
    ols = fit_line(x, y)
    robust = fit_line(x, y, method=method, n_bootstrap=200)
    assert abs(robust.slope - 7.5) < 0.3
    assert abs(robust.slope - 7.5) < abs(ols.slope - 7.5) or abs(robust.intercept - 3.0) < abs(ols.intercept - 3.0)
    assert robust.slope_ci[0] < robust.slope < robust.slope_ci[1]
    assert robust.slope_ci[1] - robust.slope_ci[0] < ols.slope_ci[1] - ols.slope_ci[0]
    # the robust scale reflects the clean scatter, not the outliers
    assert robust.residual_std < 3.0 < ols.residual_std


@pytest.mark.parametrize("method", ["huber", "theil-sen"])
def test_robust_bootstrap_intervals_cover_the_truth_on_clean_data(method):
    rng = np.random.default_rng(9)
    hits = 0
    for _ in range(20):
        x, y = _draw(rng, n=40)
        fit = fit_line(x, y, method=method, n_bootstrap=100, seed=int(rng.integers(1 << 30)))
        hits += fit.slope_ci[0] <= 7.5 <= fit.slope_ci[1]
    assert hits >= 16  # nominal 19 of 20; a bootstrap percentile interval runs a little narrow
