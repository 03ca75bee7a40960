from __future__ import annotations

import numpy as np
import pytest

from datasets.federated_dataset import DatasetError
from datasets.partition import (
    dirichlet_partition,
    iid_partition,
    lognormal_sizes,
    natural_partition,
    partition_dataset,
)


def test_iid_chunks_are_disjoint_and_sized():
    parts = iid_partition(100, [25, 25, 50], np.random.default_rng(0))
    assert [len(p) for p in parts] == [25, 25, 50]
    assert sorted(np.concatenate(parts).tolist()) == list(range(100))


def test_lognormal_sizes_sum_exactly_and_are_unbalanced():
    sizes = lognormal_sizes(10000, 50, 1.0, np.random.default_rng(1))
    assert sizes.sum() == 10000 and sizes.min() >= 1
    assert sizes.max() > 3 * np.median(sizes)
    assert list(lognormal_sizes(10, 3, 0.0, np.random.default_rng(0))) == [4, 3, 3]


def test_dirichlet_keeps_sizes_and_skews_classes():
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(10), 500)
    parts, priors = dirichlet_partition(labels, [250] * 20, 0.1, rng)
    assert [len(p) for p in parts] == [250] * 20
    flat = np.concatenate(parts)
    assert len(np.unique(flat)) == len(flat)  # no item given twice
    dominant = [np.bincount(labels[p], minlength=10).max() / len(p) for p in parts]
    assert np.mean(dominant) > 0.5  # concentration 0.1: most devices dominated by one class
    wide, _ = dirichlet_partition(labels, [250] * 20, 100.0, np.random.default_rng(2))
    assert np.mean([np.bincount(labels[p], minlength=10).max() / len(p) for p in wide]) < 0.25
    assert priors.shape == (20, 10)


def test_natural_partition_by_group_and_dataset_builder():
    groups = ["spk-b", "spk-a", "spk-b", "spk-c", "spk-a"]
    parts, names = natural_partition(groups)
    assert names == ["spk-a", "spk-b", "spk-c"]
    assert [list(p) for p in parts] == [[1, 4], [0, 2], [3]]
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    ds = partition_dataset(x, np.array([0, 1, 0, 1, 1]), n_classes=2, scheme="natural", groups=groups,
                           rng=np.random.default_rng(0))
    assert ds.device_names == names and list(ds.sizes) == [2, 2, 1]
    with pytest.raises(DatasetError, match="unknown partition scheme"):
        partition_dataset(x, np.zeros(5, int), n_classes=2, scheme="bogus", n_devices=2, rng=np.random.default_rng(0))
