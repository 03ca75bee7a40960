from __future__ import annotations

import numpy as np
import pytest

from harness.latency import (
    LAYER_TYPES,
    LatencySample,
    cross_validate,
    fit_latency_model,
    fit_layer_model,
    kfold_indices,
)
from harness.latency.samples import layer_features

TRUE_MS_PER_MOP = {"conv": 10.0, "depthwise": 45.0, "pointwise": 6.0, "fully_connected": 20.0, "pool_elementwise": 0.0}


def synthetic_samples(n=80, seed=0, noise_ms=0.3):
    """Models whose latency depends on layer type: the op count alone cannot explain it."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        ops = {"conv": rng.uniform(1e6, 8e6), "depthwise": rng.uniform(0.1e6, 2e6),
               "pointwise": rng.uniform(1e6, 2e7), "fully_connected": rng.uniform(1e4, 1e5)}
        layers = int(rng.integers(6, 20))
        latency = sum(TRUE_MS_PER_MOP[t] * v / 1e6 for t, v in ops.items()) + 0.25 * layers + 1.5
        out.append(LatencySample(f"m{i}", sum(ops.values()), latency + rng.normal(0, noise_ms), ops, layers, "r1"))
    return out


def test_kfold_partitions_every_index_once_with_balanced_sizes():
    for n, k in [(10, 5), (23, 5), (7, 7), (100, 3)]:
        folds = kfold_indices(n, k, seed=3)
        assert len(folds) == k
        joined = np.concatenate(folds)
        assert sorted(joined.tolist()) == list(range(n))
        sizes = [len(f) for f in folds]
        assert max(sizes) - min(sizes) <= 1
    assert [f.tolist() for f in kfold_indices(20, 4, seed=1)] == [f.tolist() for f in kfold_indices(20, 4, seed=1)]
    assert [f.tolist() for f in kfold_indices(20, 4, seed=1)] != [f.tolist() for f in kfold_indices(20, 4, seed=2)]
    with pytest.raises(ValueError, match="at least 5 samples"):
        kfold_indices(4, 5)


def test_cross_validation_predictions_are_truly_held_out():
    samples = synthetic_samples(40, seed=1)
    cv = cross_validate(samples, k=4, seed=0)
    # recompute fold 0 by hand: fit on the other folds only
    from harness.latency import fit_line
    from harness.latency.samples import arrays

    x, y = arrays(samples)
    test = np.array(cv.folds[0])
    train = np.setdiff1d(np.arange(len(samples)), test)
    line = fit_line(x[train], y[train])
    assert np.allclose(np.array(cv.ops_proxy.predictions_ms)[test], line.predict(x[test]))
    feats = layer_features(samples)
    layer = fit_layer_model(feats[train], y[train])
    assert np.allclose(np.array(cv.layer_model.predictions_ms)[test], layer.predict_features(feats[test]))
    pred = np.array(cv.ops_proxy.predictions_ms)
    assert cv.ops_proxy.mape_pct == pytest.approx(np.mean(np.abs(pred - y) / y) * 100)
    assert cv.ops_proxy.max_abs_error_ms == pytest.approx(np.max(np.abs(pred - y)))


def test_nnls_recovers_per_type_costs_and_stays_non_negative():
    samples = synthetic_samples(120, seed=2, noise_ms=0.05)
    feats = layer_features(samples)
    y = np.array([s.latency_ms for s in samples])
    model = fit_layer_model(feats, y)
    coefs = [*model.ms_per_mop.values(), model.ms_per_layer, model.intercept_ms]
    assert all(c >= 0 for c in coefs)
    for t in ("conv", "depthwise", "pointwise"):
        assert model.ms_per_mop[t] == pytest.approx(TRUE_MS_PER_MOP[t], rel=0.03)
    assert model.ms_per_mop["pool_elementwise"] == 0.0  # no such ops: no cost invented
    assert model.ms_per_layer == pytest.approx(0.25, abs=0.05)


def test_nnls_clamps_a_cost_that_least_squares_would_make_negative():
    rng = np.random.default_rng(4)
    n = 50
    conv = rng.uniform(1, 10, n)
    pw = rng.uniform(1, 10, n)
    feats = np.zeros((n, len(LAYER_TYPES) + 1))
    feats[:, 0], feats[:, 2], feats[:, -1] = conv, pw, 5
    y = 10 * conv - 2 * pw + 20 + rng.normal(0, 0.1, n)  # unconstrained OLS gives pointwise < 0
    model = fit_layer_model(feats, y)
    assert model.ms_per_mop["pointwise"] == 0.0
    assert min(model.ms_per_mop.values()) >= 0 and model.ms_per_layer >= 0 and model.intercept_ms >= 0


def test_layer_model_beats_op_count_on_the_same_folds_when_layer_type_matters():
    samples = synthetic_samples(80, seed=3)
    model = fit_latency_model(samples, board="nucleo-f446re@twin", space="kws", k=5)
    cv = model.cross_validation
    assert cv is not None and cv.k == 5 and sum(len(f) for f in cv.folds) == 80
    assert cv.layer_model.mape_pct < cv.ops_proxy.mape_pct / 3
    assert cv.layer_model.max_abs_error_ms < cv.ops_proxy.max_abs_error_ms
    assert cv.layer_model.spearman > cv.ops_proxy.spearman
    assert -1 <= model.ops_kendall <= model.ops_spearman <= 1


def test_when_latency_is_linear_in_ops_both_models_agree():
    rng = np.random.default_rng(8)
    samples = []
    for i in range(50):
        ops = {"conv": rng.uniform(1e6, 9e6), "pointwise": rng.uniform(1e6, 9e6)}
        total = sum(ops.values())
        samples.append(LatencySample(f"m{i}", total, 8.0 * total / 1e6 + 2 + rng.normal(0, 0.2), ops, 10))
    model = fit_latency_model(samples, board="b", space="s")
    assert model.proxy.r2 > 0.99 and model.ops_spearman > 0.98
    cv = model.cross_validation
    assert cv.ops_proxy.mape_pct < 2.0 and cv.layer_model.mape_pct < 2.0
