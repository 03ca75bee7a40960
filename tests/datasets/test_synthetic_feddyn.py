from __future__ import annotations

import numpy as np
import pytest

from datasets.federated_dataset import DatasetError
from datasets.synthetic_feddyn import SyntheticSpec, feature_variances, generate_synthetic


def test_official_setting_shapes_and_determinism():
    a = generate_synthetic(SyntheticSpec(seed=7))
    b = generate_synthetic(SyntheticSpec(seed=7))
    c = generate_synthetic(SyntheticSpec(seed=8))
    assert a.n_devices == 20 and list(a.sizes) == [200] * 20 and a.feature_shape == (30,) and a.n_classes == 5
    for xa, xb in zip(a.device_x, b.device_x, strict=True):
        np.testing.assert_array_equal(xa, xb)
    assert not np.array_equal(a.device_x[0], c.device_x[0])
    x, y = a.union()
    assert x.shape == (4000, 30) and set(np.unique(y)) <= set(range(5))


def test_features_have_power_law_variances_and_labels_follow_one_linear_rule():
    ds = generate_synthetic(SyntheticSpec(n_devices=4, mean_size=20000, seed=1))
    x, y = ds.union()
    np.testing.assert_allclose(x.var(axis=0), feature_variances(30), rtol=0.05)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=0.02)
    np.testing.assert_allclose(feature_variances(3), [1.0, 2 ** -1.2, 3 ** -1.2])
    # one shared (W, b): a linear classifier separates the union perfectly -> least squares on
    # one-hot targets followed by argmax recovers most labels, and classes are far from uniform noise
    onehot = np.eye(5)[y]
    xb = np.hstack([x, np.ones((len(x), 1))])
    w, *_ = np.linalg.lstsq(xb, onehot, rcond=None)
    assert np.mean(np.argmax(xb @ w, axis=1) == y) > 0.8


def test_heterogeneity_knobs():
    sizes = generate_synthetic(SyntheticSpec(theta=1.0, seed=2)).sizes
    assert sizes.min() >= 1 and len(set(sizes.tolist())) > 10
    het = generate_synthetic(SyntheticSpec(beta=1.0, alpha=1.0, shared_features=False, shared_solution=False,
                                           mean_size=2000, n_devices=3, seed=2))
    means = np.array([x.mean(axis=0) for x in het.device_x])
    assert np.ptp(means, axis=0).mean() > 0.5  # device-specific feature means
    hom = generate_synthetic(SyntheticSpec(mean_size=2000, n_devices=3, seed=2))
    assert np.ptp(np.array([x.mean(axis=0) for x in hom.device_x]), axis=0).mean() < 0.15


@pytest.mark.parametrize("field,value", [("n_devices", 0), ("n_classes", 1), ("theta", -1.0)])
def test_bad_spec_names_the_field(field, value):
    with pytest.raises(DatasetError, match=field):
        generate_synthetic(SyntheticSpec(**{field: value}))
