from __future__ import annotations

import dataclasses
import json

import pytest

from harness.boards import get_board
from harness.store import (
    BoardRecord,
    CycleStats,
    FirmwareRecord,
    ModelRecord,
    PlanRecord,
    ResultsStore,
    export_csv,
    export_json,
)


def test_run_round_trip_and_finish(store):
    run = store.begin_run("sweep", {"space": "kws", "n": 10}, compiler_version="gcc 12.2", qemu_version="7.2")
    assert run.status == "running" and run.run_key
    assert store.get_run(run.id) == run
    done = store.finish_run(run, "completed")
    assert done.status == "completed" and done.finished
    assert dataclasses.replace(done, status="running", finished=None) == run
    assert store.latest_run("sweep").id == run.id


def test_same_args_same_run_key_different_args_different_key(store):
    a = store.begin_run("sweep", {"space": "kws", "seed": 1})
    b = store.begin_run("sweep", {"seed": 1, "space": "kws"})
    c = store.begin_run("sweep", {"space": "kws", "seed": 2})
    assert a.id != b.id and a.run_key == b.run_key != c.run_key
    assert {r.id for r in store.runs(run_key=a.run_key)} == {a.id, b.id}


def test_measurement_round_trip_with_every_row(store, m4_twin, make_model):
    run = store.begin_run("sweep", {})
    model = make_model(3)
    fw = FirmwareRecord("fw1", m4_twin.name, {"text": 1234, "data": 5, "bss": 60})
    plan = PlanRecord("plan1", model.hash, m4_twin.name)
    stored = store.record_measurement(run, model, m4_twin, [900, 1000, 1100, 1000, 1020], instructions=800,
                                      firmware=fw, plan=plan, outputs_checked=True)
    assert stored is not None and stored.id is not None
    assert stored.source == "emulated"
    assert stored.cycles_median == 1000 and stored.cycles_min == 900 and stored.cycles_max == 1100
    assert stored.cycles_mad == 20 and stored.repeats == 5
    assert stored.latency_us == pytest.approx(1000 / 180e6 * 1e6)
    [item] = store.measurements()
    assert item.measurement == stored
    got = item.model
    assert dataclasses.replace(got, ops_by_layer_type={}) == dataclasses.replace(model, ops_by_layer_type={})
    assert got.ops_by_layer_type["conv"] == 1180 and got.ops_by_layer_type["fully_connected"] == 0
    assert item.board == m4_twin
    assert store.firmware() == [fw] and store.plans() == [plan]
    assert store.integrity_check() == []


def test_real_board_is_measured_and_board_record_from_catalog(store, make_model):
    board = get_board("nucleo-f746zg")
    real, twin = BoardRecord.from_board(board, twin=False), BoardRecord.from_board(board, twin=True)
    assert twin.name == "nucleo-f746zg@twin" and twin.base_name == real.name == "nucleo-f746zg"
    assert twin.timing_model == "cortex-m7" and real.clock_hz == 216_000_000
    run = store.begin_run("sweep", {})
    a = store.record_measurement(run, make_model(1), real, CycleStats(2160.0, 2100, 2200, 10.0, 3))
    b = store.record_measurement(run, make_model(1), twin, [2000])
    assert (a.source, b.source) == ("measured", "emulated")
    assert a.latency_us == pytest.approx(10.0)
    assert len(store.measurements(source="measured")) == 1
    assert [i.board.name for i in store.measurements(board=twin.name)] == [twin.name]


def test_filters_by_space_board_and_run(store, m4_twin, m7_board, make_model):
    run1 = store.begin_run("sweep", {"x": 1})
    run2 = store.begin_run("sweep", {"x": 2})
    for i in range(4):
        store.record_measurement(run1, make_model(i, "kws"), m4_twin, [1000 + i])
        store.record_measurement(run1, make_model(i, "cifar"), m7_board, [2000 + i])
    store.record_measurement(run2, make_model(9, "kws"), m4_twin, [5])
    assert len(store.measurements(space="kws")) == 5
    assert len(store.measurements(space="kws", run_id=run1.id)) == 4
    assert len(store.measurements(board=m7_board.name, space="cifar")) == 4
    assert len(store.measurements(board=m7_board.name, space="kws")) == 0
    assert len(store.measurements(run_id=[run1.id, run2.id])) == 9
    assert {m.space for m in store.models(space="cifar")} == {"cifar"}


def test_failure_round_trip_keeps_the_console_tail(store, m4_twin, make_model):
    run = store.begin_run("sweep", {})
    log = "boot\n" + "x" * 10_000 + "\nHardFault at 0x0800_1234\n"
    f = store.record_failure(run, make_model(1), m4_twin, attempt=1, kind="timeout", message="no result in 30 s",
                             console_log=log)
    assert f is not None
    again = store.record_failure(run, make_model(1), m4_twin, attempt=1, kind="timeout", message="no result in 30 s")
    assert again is None
    store.record_failure(run, "hash-of-unbuildable-model", m4_twin, attempt=2, kind="build", message="arena too big")
    got = store.failures(run_id=run.id)
    assert [g.attempt for g in got] == [1, 2]
    assert got[0].console_excerpt.endswith("HardFault at 0x0800_1234\n") and len(got[0].console_excerpt) == 4000
    assert got[0] == f


@pytest.mark.parametrize(
    "change, message",
    [
        ({"ops": -1}, "ops: expected a non-negative integer"),
        ({"ops_by_layer_type": {"lstm": 10}}, "unknown layer type 'lstm'"),
        ({"arch_spec": None}, "sampled model needs its architecture spec"),
        ({"hash": ""}, "model hash"),
    ],
)
def test_bad_model_is_refused_by_field_and_nothing_is_written(store, m4_twin, make_model, change, message):
    run = store.begin_run("sweep", {})
    with pytest.raises(ValueError, match=message):
        store.record_measurement(run, dataclasses.replace(make_model(1), **change), m4_twin, [100])
    assert store.counts()["measurements"] == 0 and store.counts()["models"] == 0


def test_bad_cycles_and_mismatched_plan_are_refused(store, m4_twin, make_model):
    run = store.begin_run("sweep", {})
    with pytest.raises(ValueError, match="at least one repeat"):
        store.record_measurement(run, make_model(1), m4_twin, [])
    with pytest.raises(ValueError, match="min <= median <= max"):
        store.record_measurement(run, make_model(1), m4_twin, CycleStats(10.0, 20, 30, 0.0, 1))
    with pytest.raises(ValueError, match="plan p: made for"):
        store.record_measurement(run, make_model(1), m4_twin, [5], plan=PlanRecord("p", "other", m4_twin.name))
    assert store.counts()["measurements"] == 0


def test_failed_transaction_leaves_nothing_behind(store, m4_twin, make_model):
    """A constraint violation in the last statement rolls back the model and board rows too."""
    run = store.begin_run("sweep", {})
    bad_run = dataclasses.replace(run, id="no-such-run")
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        store.record_measurement(bad_run, make_model(1), m4_twin, [100])
    counts = store.counts()
    assert counts["models"] == 0 and counts["boards"] == 0 and counts["measurements"] == 0


def test_export_csv_and_json(store, m4_twin, m7_board, make_model, tmp_path):
    run = store.begin_run("sweep", {})
    for i in range(3):
        store.record_measurement(run, make_model(i), m4_twin, [1000 * (i + 1)])
        store.record_measurement(run, make_model(i), m7_board, [500 * (i + 1)])
    store.record_failure(run, make_model(5), m4_twin, attempt=1, kind="timeout", message="stuck")
    n = export_csv(store, tmp_path / "out" / "m.csv", board=m4_twin.name)
    assert n == 3
    lines = (tmp_path / "out" / "m.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert len(lines) == 4 and "latency_ms" in header and "ops_conv" in header
    row = dict(zip(header, lines[2].split(","), strict=True))
    assert row["board"] == m4_twin.name and float(row["cycles_median"]) == 2000
    assert float(row["latency_us"]) == pytest.approx(2000 / 180)
    counts = export_json(store, tmp_path / "all.json")
    data = json.loads((tmp_path / "all.json").read_text())
    assert counts["measurements"] == 6 and counts["failures"] == 1 and counts["models"] == 4
    assert data["schema_version"] == store.schema_version()
    assert {m["board"] for m in data["measurements"]} == {m4_twin.name, m7_board.name}
    assert not list((tmp_path / "out").glob(".*tmp"))


def test_store_reopens_with_the_same_data(tmp_path, m4_twin, make_model):
    path = tmp_path / "r.db"
    with ResultsStore(path) as s:
        run = s.begin_run("profile", {"model": "kws"})
        s.record_measurement(run, make_model(1), m4_twin, [77])
        before = s.measurements()
    with ResultsStore(path) as s:
        assert s.measurements() == before
        assert isinstance(s.get_model(make_model(1).hash), ModelRecord)
