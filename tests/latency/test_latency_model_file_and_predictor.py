from __future__ import annotations

import json
import math

import numpy as np
import pytest

from harness.latency import (
    LatencyModel,
    LatencyModelFileError,
    LatencyPredictor,
    LatencySample,
    NoLatencyModelError,
    fit_from_store,
    fit_latency_model,
    model_filename,
    predict_latency,
)
from harness.store import BoardRecord, ModelRecord, ResultsStore


def _samples(slope=12.0, n=30, seed=0, run="run-a"):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        conv, pw = rng.uniform(1e6, 5e6), rng.uniform(1e6, 5e6)
        out.append(LatencySample(f"h{i}", conv + pw, slope * (conv + pw) / 1e6 + 4 + rng.normal(0, 0.5),
                                 {"conv": conv, "pointwise": pw}, 9, run))
    return out


def test_json_round_trip_keeps_everything(tmp_path):
    model = fit_latency_model(_samples(), board="nucleo-f446re@twin", space="kws", robust="theil-sen", k=5)
    path = model.save(tmp_path / "m.json")
    data = json.loads(path.read_text())
    assert data["format"] == "tinyhil-latency-model"
    prov = data["provenance"]
    assert prov["run_ids"] == ["run-a"] and prov["n"] == 30 and prov["board"] == "nucleo-f446re@twin"
    assert prov["space"] == "kws" and prov["tinyhil_version"] and prov["date"]
    loaded = LatencyModel.load(path)
    assert loaded.proxy == model.proxy and loaded.robust == model.robust
    assert loaded.layer_model == model.layer_model and loaded.provenance == model.provenance
    assert loaded.cross_validation.ops_proxy.mape_pct == model.cross_validation.ops_proxy.mape_pct
    counts = {"ops": 6e6, "ops_by_layer_type": {"conv": 3e6, "pointwise": 3e6}, "layers": 9}
    for use in ("proxy", "robust", "layer_model"):
        assert loaded.predict(counts, use=use) == model.predict(counts, use=use)


def test_bad_model_files_name_the_file_and_field(tmp_path):
    good = fit_latency_model(_samples(), board="b", space="s").to_dict()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(LatencyModelFileError, match=r"bad\.json: not valid JSON"):
        LatencyModel.load(bad)
    del good["proxy"]
    bad.write_text(json.dumps(good))
    with pytest.raises(LatencyModelFileError, match=r"bad\.json: missing field 'proxy'"):
        LatencyModel.load(bad)
    bad.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(LatencyModelFileError, match="format: expected 'tinyhil-latency-model'"):
        LatencyModel.load(bad)


def test_predict_latency_from_a_directory_by_board_and_space(tmp_path):
    for board, space, slope in [("nucleo-f446re@twin", "kws", 12.0), ("nucleo-f446re@twin", "cifar", 17.0),
                                ("nucleo-f746zg@twin", "kws", 5.0)]:
        model = fit_latency_model(_samples(slope=slope), board=board, space=space)
        model.save(tmp_path / model_filename(board, space))
    counts = {"ops": 10e6, "space": "kws"}
    ms, sigma = predict_latency(counts, "nucleo-f446re@twin", models_dir=tmp_path)
    assert ms == pytest.approx(12.0 * 10 + 4, rel=0.03) and 0 < sigma < 2
    ms_cifar, _ = predict_latency({"ops": 10e6}, "nucleo-f446re@twin", space="cifar", models_dir=tmp_path)
    assert ms_cifar == pytest.approx(174, rel=0.03)
    # the real board falls back to its twin's model
    ms_real, _ = predict_latency({"macs": 5e6}, "nucleo-f746zg", models_dir=tmp_path)
    assert ms_real == pytest.approx(54, rel=0.03)
    with pytest.raises(NoLatencyModelError, match="spaces \\['cifar', 'kws'\\]; say which space"):
        predict_latency({"ops": 1e6}, "nucleo-f446re@twin", models_dir=tmp_path)
    with pytest.raises(NoLatencyModelError, match="no latency model for board 'nrf52840dk'"):
        predict_latency({"ops": 1e6}, "nrf52840dk", models_dir=tmp_path)


def test_uncertainty_grows_away_from_the_data_and_layer_model_needs_a_breakdown():
    model = fit_latency_model(_samples(), board="b", space="s")
    near = model.predict({"ops": 6e6})
    far = model.predict({"ops": 60e6})
    assert far.sigma_ms > near.sigma_ms > 0
    assert near.low_ms < near.ms < near.high_ms
    with pytest.raises(ValueError, match="need ops_by_layer_type"):
        model.predict({"ops": 6e6}, use="layer_model")
    with pytest.raises(ValueError, match="expected counts with 'ops'"):
        model.predict({"flops": 6e6})
    with pytest.raises(ValueError, match="unknown layer type 'lstm'"):
        model.predict({"ops": 1, "ops_by_layer_type": {"lstm": 1}})


def test_spec_objects_are_read_by_attribute_or_counts_method():
    model = fit_latency_model(_samples(), board="b", space="s")

    class Spec:
        def counts(self):
            return {"paper_ops": 6e6, "layer_ops": {"conv": 3e6, "pw": 3e6}, "n_layers": 9}

    class Counted:
        ops = 6e6

    a = model.predict(Spec(), use="layer_model")
    b = model.predict({"ops": 6e6, "ops_by_layer_type": {"conv": 3e6, "pointwise": 3e6}, "layers": 9},
                      use="layer_model")
    assert a == b
    assert model.predict(Counted()).ms == model.predict({"ops": 6e6}).ms


def test_fit_from_store_uses_only_the_asked_board_space_and_runs(tmp_path):
    store = ResultsStore(tmp_path / "r.db")
    board = BoardRecord("nucleo-f446re@twin", True, "cortex-m4", 180_000_000, "cortex-m4")
    run1, run2 = store.begin_run("sweep", {"s": 1}), store.begin_run("sweep", {"s": 2})
    rng = np.random.default_rng(0)
    for i in range(25):
        ops = int(rng.uniform(2e6, 2e7))
        for space, per_mop, run in (("kws", 10.0, run1), ("cifar", 14.0, run2)):
            model = ModelRecord(f"{space}{i}", "sampled", ops, ops // 2, space=space, arch_spec={},
                                ops_by_layer_type={"conv": ops}, layers=5)
            ms = per_mop * ops / 1e6 + 1.0
            store.record_measurement(run, model, board, [int(ms * 1e-3 * 180e6)])
    fitted = fit_from_store(store, board=board.name, space="kws")
    assert fitted.provenance.run_ids == (run1.id,) and fitted.provenance.n == 25
    assert fitted.provenance.source == "emulated" and fitted.proxy.slope == pytest.approx(10.0, rel=1e-4)
    assert fitted.proxy.r2 > 0.9999
    assert math.isclose(fit_from_store(store, board=board.name, space="cifar").proxy.slope, 14.0, rel_tol=1e-4)
    from harness.latency import FitDataError

    with pytest.raises(FitDataError, match="no measurements for board 'nucleo-f746zg'"):
        fit_from_store(store, board="nucleo-f746zg", space="kws")
    store.close()


def test_predictor_picks_up_refitted_files(tmp_path):
    m1 = fit_latency_model(_samples(slope=10.0), board="b", space="s")
    path = m1.save(tmp_path / model_filename("b", "s"))
    first, _ = predict_latency({"ops": 1e7}, "b", models_dir=tmp_path)
    m2 = fit_latency_model(_samples(slope=20.0), board="b", space="s")
    m2.save(path)
    import os

    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    second, _ = predict_latency({"ops": 1e7}, "b", models_dir=tmp_path)
    assert second > 1.8 * first
    assert len(LatencyPredictor.from_dir(tmp_path).models) == 1
