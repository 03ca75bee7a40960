from __future__ import annotations

import json

import numpy as np

from harness.cli.main import main


def test_train_all_algorithms_writes_metrics_and_plot(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["federated", "train", "--algorithm", "all", "--rounds", "4", "--devices", "6", "--size", "30",
               "--participation", "0.5", "--out", str(out), "--no-progress"])
    assert rc == 0
    text = capsys.readouterr().out
    for name in ("feddyn", "fedavg", "fedprox", "scaffold"):
        assert name in text
        data = json.loads((out / f"{name}.json").read_text())
        rounds = data["rounds"]
        assert [r["round"] for r in rounds] == [1, 2, 3, 4]
        assert all(0.0 <= r["accuracy"] <= 1.0 and r["bytes_up"] > 0 for r in rounds)
    png = (out / "accuracy.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_user_npz_dataset_and_clear_errors(tmp_path, capsys):
    rng = np.random.default_rng(0)
    arrays = {}
    for k in range(3):
        x = rng.normal(size=(20, 4))
        arrays[f"x_{k}"], arrays[f"y_{k}"] = x, (x[:, 0] > 0).astype(np.int64)
    np.savez(tmp_path / "mine.npz", **arrays)
    tflite = tmp_path / "o" / "mine.tflite"
    assert main(["federated", "train", "--dataset", str(tmp_path / "mine.npz"), "--rounds", "3", "--model", "mlp:8",
                 "--participation", "1.0", "--out", str(tmp_path / "o"), "--export-tflite", str(tflite),
                 "--no-progress"]) == 0
    assert tflite.read_bytes()[4:8] == b"TFL3"
    assert "int8 model" in capsys.readouterr().out
    np.savez(tmp_path / "broken.npz", x_0=np.ones((3, 2)))
    assert main(["federated", "train", "--dataset", str(tmp_path / "broken.npz"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "broken.npz" in err and "'y_0'" in err and "Traceback" not in err
    assert main(["federated", "train", "--resume", "--no-progress"]) == 1
    assert "--resume needs --checkpoint" in capsys.readouterr().err
