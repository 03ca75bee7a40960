"""The Flower (flwr 1.42, Ray) backend computes the same rounds as the in-process simulator.

Kept tiny (4 devices, 4 rounds, one Flower run) because every Flower run starts a Ray cluster on 2 cores (~15 s)."""

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


@pytest.mark.slow
def test_flower_continues_an_inprocess_run_identically(tmp_path):
    """One Flower run (Ray start-up dominates) covers the whole path: FedDyn's server state and
    device states g_k written by the in-process backend after round 1 are imported into the
    ClientApps' context.state, rounds 2-4 train on Flower (devices are picked again, so g_k must
    persist in context.state between rounds), the states are exported back into the checkpoint,
    and everything equals an in-process run of 4 rounds."""
    ckpt = tmp_path / "shared.npz"
    run_experiment(spec("feddyn", "inprocess", rounds=1), DATASET, checkpoint=ckpt, progress=False)
    run_experiment(spec("feddyn", "flower", rounds=4), DATASET, checkpoint=ckpt, resume=True, progress=False)
    run_experiment(spec("feddyn", "inprocess", rounds=4), DATASET, checkpoint=tmp_path / "ref.npz", progress=False)
    meta, arrays = load_checkpoint(ckpt)
    assert meta["round"] == 4
    picked = [r["active_devices"] for r in meta["history"]]
    on_flower = [k for r in picked[1:] for k in r]
    assert max(on_flower.count(k) for k in on_flower) >= 2, "a device must train twice on Flower"
    assert set(picked[0]) & set(on_flower), "a device trained in process must continue on Flower"
    assert sum(k.startswith("device/") for k in arrays) >= 3
    assert_same_run(tmp_path / "ref.npz", ckpt)
