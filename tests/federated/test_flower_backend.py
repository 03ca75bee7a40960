"""The Flower (flwr 1.42, Ray) backend computes the same rounds as the in-process simulator.

Kept tiny (4 devices, 3 rounds) because every Flower run starts a Ray cluster on 2 cores (~15 s)."""

from __future__ import annotations

import numpy as np
import pytest

from datasets.synthetic_feddyn import SyntheticSpec, generate_synthetic
from federated.checkpoint import load_checkpoint
from federated.experiment import ExperimentSpec, run_experiment
from federated.local_sgd import LocalTrainingConfig
from federated.participation import Participation

pytest.importorskip("flwr")
pytest.importorskip("ray")

DATASET = generate_synthetic(SyntheticSpec(n_devices=4, mean_size=40, seed=3))
TOLERANCE = 1e-9  # same float64 operations in the same order; only serialisation in between


def spec(algorithm: str, backend: str, rounds: int = 3) -> ExperimentSpec:
    return ExperimentSpec(algorithm=algorithm, rounds=rounds, backend=backend,
                          participation=Participation(0.5, seed=2), local=LocalTrainingConfig(epochs=2), seed=5)


def assert_same_run(ckpt_a, ckpt_b):
    meta_a, arrays_a = load_checkpoint(ckpt_a)
    meta_b, arrays_b = load_checkpoint(ckpt_b)
    assert sorted(arrays_a) == sorted(arrays_b)
    for key in arrays_a:
        np.testing.assert_allclose(arrays_a[key], arrays_b[key], atol=TOLERANCE, rtol=0, err_msg=key)
    for ra, rb in zip(meta_a["history"], meta_b["history"], strict=True):
        assert ra["active_devices"] == rb["active_devices"]
        assert ra["accuracy"] == pytest.approx(rb["accuracy"], abs=TOLERANCE)
        assert ra["loss"] == pytest.approx(rb["loss"], abs=TOLERANCE)
        assert (ra["bytes_down"], ra["bytes_up"]) == (rb["bytes_down"], rb["bytes_up"])


def test_flower_matches_inprocess_including_device_states(tmp_path):
    """FedDyn keeps g_k in each ClientApp's context.state; the checkpoint pulls them back."""
    run_experiment(spec("feddyn", "inprocess"), DATASET, checkpoint=tmp_path / "inproc.npz", progress=False)
    run_experiment(spec("feddyn", "flower"), DATASET, checkpoint=tmp_path / "flower.npz", progress=False)
    _, arrays = load_checkpoint(tmp_path / "flower.npz")
    assert any(k.startswith("device/") for k in arrays)
    assert_same_run(tmp_path / "inproc.npz", tmp_path / "flower.npz")


def test_flower_resumes_an_inprocess_checkpoint(tmp_path):
    """SCAFFOLD state (c, c_k) written by the in-process backend after 2 rounds is loaded into the
    Flower clients, and round 3 on Flower equals round 3 in process."""
    ckpt = tmp_path / "shared.npz"
    run_experiment(spec("scaffold", "inprocess", rounds=2), DATASET, checkpoint=ckpt, progress=False)
    run_experiment(spec("scaffold", "flower"), DATASET, checkpoint=ckpt, resume=True, progress=False)
    run_experiment(spec("scaffold", "inprocess"), DATASET, checkpoint=tmp_path / "ref.npz", progress=False)
    assert_same_run(tmp_path / "ref.npz", ckpt)
