"""Whole-state checkpoints: kill a training process with SIGKILL after a checkpoint, resume, and
get exactly the run that was never interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from datasets.synthetic_feddyn import SyntheticSpec, generate_synthetic
from federated.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from federated.experiment import ExperimentSpec, build_server, run_experiment
from federated.participation import Participation
from harness.cli.main import main as cli_main
from harness.paths import REPO_ROOT

ROUNDS = 40
ARGS = ["federated", "train", "--algorithm", "feddyn", "--rounds", str(ROUNDS), "--participation", "1.0",
        "--devices", "10", "--size", "100", "--no-progress"]


def checkpoint_round(path: Path) -> int:
    try:
        meta, _ = load_checkpoint(path)
    except CheckpointError:
        return -1
    return int(meta["round"])


def test_resume_after_sigkill_matches_uninterrupted_run(tmp_path):
    ckpt = tmp_path / "killed.npz"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli.main", *ARGS, "--checkpoint", str(ckpt), "--out", str(tmp_path / "a")],
        env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while checkpoint_round(ckpt) < 3:
            assert proc.poll() is None, f"training ended early: {proc.stderr.read().decode()[-2000:]}"
            assert time.monotonic() < deadline, "no checkpoint within 120 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    killed_at = checkpoint_round(ckpt)
    assert 3 <= killed_at < ROUNDS, "the process must be killed mid-training"

    assert cli_main([*ARGS, "--checkpoint", str(ckpt), "--resume", "--out", str(tmp_path / "b")]) == 0
    reference = tmp_path / "reference.npz"
    assert cli_main([*ARGS, "--checkpoint", str(reference), "--out", str(tmp_path / "c")]) == 0

    meta_resumed, arrays_resumed = load_checkpoint(ckpt)
    meta_ref, arrays_ref = load_checkpoint(reference)
    assert meta_resumed["round"] == meta_ref["round"] == ROUNDS
    assert sorted(arrays_resumed) == sorted(arrays_ref)
    assert any(k.startswith("device/") and k.endswith("/g") for k in arrays_ref)  # every device's FedDyn state
    for key in arrays_ref:
        np.testing.assert_array_equal(arrays_resumed[key], arrays_ref[key], err_msg=key)
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in meta_ref["history"]]
    assert [{k: v for k, v in r.items() if k != "seconds"} for r in meta_resumed["history"]] == strip


def test_resume_refuses_a_checkpoint_of_another_configuration(tmp_path):
    dataset = generate_synthetic(SyntheticSpec(n_devices=4, mean_size=20))
    spec = ExperimentSpec(algorithm="feddyn", rounds=2, participation=Participation(0.5))
    ckpt = tmp_path / "c.npz"
    run_experiment(spec, dataset, checkpoint=ckpt, progress=False)
    other = ExperimentSpec(algorithm="feddyn", rounds=3, participation=Participation(0.5), hyperparameters={"alpha": 0.1})
    server, _, _ = build_server(other, dataset)
    with pytest.raises(CheckpointError, match="different configuration"):
        server.restore(ckpt)


def test_checkpoint_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="bad.npz"):
        load_checkpoint(bad)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.npz")
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.zeros(2))
    with pytest.raises(CheckpointError, match="not a tinyhil"):
        load_checkpoint(plain)


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "s.npz"
    save_checkpoint(path, {"round": 1}, {"x": np.arange(3)})
    save_checkpoint(path, {"round": 2}, {"x": np.arange(4)})
    meta, arrays = load_checkpoint(path)
    assert meta["round"] == 2 and list(arrays["x"]) == [0, 1, 2, 3]
    assert [p.name for p in tmp_path.iterdir()] == ["s.npz"]
