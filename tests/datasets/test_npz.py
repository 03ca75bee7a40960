from __future__ import annotations

import numpy as np
import pytest

from datasets.federated_dataset import DatasetError
from datasets.npz import load_npz_partitions, save_npz_partitions
from datasets.synthetic_feddyn import SyntheticSpec, generate_synthetic


def test_round_trip_single_file(tmp_path):
    ds = generate_synthetic(SyntheticSpec(n_devices=3, mean_size=10))
    path = save_npz_partitions(ds, tmp_path / "mine.npz")
    back = load_npz_partitions(path)
    assert back.n_devices == 3 and back.device_names == ds.device_names and back.n_classes >= 2
    for a, b in zip(ds.device_y, back.device_y, strict=True):
        np.testing.assert_array_equal(a, b)


def test_directory_layout_with_eval(tmp_path):
    for name in ("b_machine", "a_machine"):
        np.savez(tmp_path / f"{name}.npz", x=np.ones((4, 2, 2)), y=np.array([0, 1, 2, 1]))
    np.savez(tmp_path / "eval.npz", x=np.zeros((2, 2, 2)), y=np.array([0, 2]))
    ds = load_npz_partitions(tmp_path)
    assert ds.device_names == ["a_machine", "b_machine"] and ds.n_classes == 3
    assert ds.evaluation_set()[0].shape == (2, 2, 2)


@pytest.mark.parametrize(
    "arrays,message",
    [
        ({"x_0": np.ones((3, 2)), "y_0": np.array([0, 1])}, r"'y_0' has 2 labels but 'x_0' has 3 rows"),
        ({"x_0": np.ones((2, 2)), "y_0": np.array([0.5, 1.0])}, r"'y_0' has dtype float64, expected integer"),
        ({"x_0": np.ones((2, 2)), "y_0": np.array([0, 1]), "x_2": np.ones((2, 2)), "y_2": np.array([0, 1])},
         "missing x_1"),
        ({"x_0": np.ones((2, 2))}, r"missing key 'y_0'"),
        ({"x_0": np.array([[np.nan, 1.0]]), "y_0": np.array([0])}, "NaN"),
        ({"x_0": np.ones((2, 2)), "y_0": np.array([0, 1]), "x_1": np.ones((2, 3)), "y_1": np.array([0, 1])},
         "feature shape"),
        ({"features": np.ones(2)}, "no device keys"),
    ],
)
def test_errors_name_file_and_key(tmp_path, arrays, message):
    path = tmp_path / "user.npz"
    np.savez(path, **arrays)
    with pytest.raises(DatasetError, match=message) as info:
        load_npz_partitions(path)
    assert "user.npz" in str(info.value)


def test_unreadable_and_missing_files(tmp_path):
    bad = tmp_path / "junk.npz"
    bad.write_text("hello")
    with pytest.raises(DatasetError, match="junk.npz: not a readable"):
        load_npz_partitions(bad)
    with pytest.raises(DatasetError, match="file not found"):
        load_npz_partitions(tmp_path / "nope.npz")
    pickled = tmp_path / "obj.npz"
    np.savez(pickled, x_0=np.array([{"a": 1}], dtype=object), y_0=np.array([0]))
    with pytest.raises(DatasetError, match="obj.npz: key 'x_0' cannot be read without pickle"):
        load_npz_partitions(pickled)
