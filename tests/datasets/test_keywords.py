"""The espeak-ng keyword set on a tiny spec (2 voices x 10 keywords x 2 utterances)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from datasets.keywords import KeywordSpec, load_keyword_dataset

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def test_keyword_dataset_is_synthesised_cached_and_split_by_voice(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYHIL_CACHE", str(tmp_path))
    spec = KeywordSpec(n_voices=2, utterances_per_keyword=2, eval_fraction=0.25)
    ds = load_keyword_dataset(spec, progress=False)
    assert ds.device_names == ["en-us+m1", "en-gb+f2"]
    assert list(ds.sizes) == [15, 15] and len(ds.eval_y) == 10
    assert ds.feature_shape == (490,) and ds.n_classes == 10
    x, _ = ds.union()
    assert np.all(np.isfinite(x)) and abs(float(x.mean())) < 0.2
    cached = list((tmp_path / "datasets").glob("keywords-*.npz"))
    assert len(cached) == 1
    with np.load(cached[0]) as archive:
        assert archive["features"].shape == (40, 49, 10)
    again = load_keyword_dataset(spec, progress=False)  # from the cache, identical
    np.testing.assert_array_equal(again.device_x[0], ds.device_x[0])
    # different voices say the same word differently: per-device feature means differ
    assert np.abs(ds.device_x[0].mean(0) - ds.device_x[1].mean(0)).mean() > 0.05
