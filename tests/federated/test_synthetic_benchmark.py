"""The official FedDyn synthetic setting: FedDyn reaches 97% within 60 rounds and is ahead of the
baselines (full figures: bench/federated_rounds.py)."""

from __future__ import annotations

import pytest

from datasets.synthetic_feddyn import SyntheticSpec, generate_synthetic
from federated.experiment import ExperimentSpec, run_experiment
from federated.metrics import rounds_to_accuracy
from federated.participation import Participation


@pytest.fixture(scope="module")
def histories():
    dataset = generate_synthetic(SyntheticSpec(seed=0))
    out = {}
    for name in ("feddyn", "scaffold", "fedavg", "fedprox"):
        spec = ExperimentSpec(algorithm=name, rounds=60, participation=Participation(0.1, seed=0), seed=0)
        out[name] = run_experiment(spec, dataset, progress=False)
    return out


def test_feddyn_reaches_97_percent_within_60_rounds(histories):
    r97 = rounds_to_accuracy(histories["feddyn"], 0.97)
    assert r97 is not None and r97 <= 60


def test_feddyn_ahead_of_baselines(histories):
    feddyn = histories["feddyn"][-1].accuracy
    for name in ("scaffold", "fedavg", "fedprox"):
        assert rounds_to_accuracy(histories[name], 0.97) is None
        assert feddyn > histories[name][-1].accuracy + 0.01


def test_round_metrics_are_complete(histories):
    for history in histories.values():
        assert [r.round for r in history] == list(range(1, 61))
        assert all(r.bytes_down > 0 and r.bytes_up > 0 and r.active_devices for r in history)
        assert history[-1].loss < history[0].loss
