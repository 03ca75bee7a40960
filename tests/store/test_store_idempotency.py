from __future__ import annotations


def test_rerun_of_a_sweep_skips_done_work_and_duplicates_nothing(store, m4_twin, m7_board, make_model):
    args = {"space": "kws", "boards": [m4_twin.name, m7_board.name], "n": 6}
    first = store.begin_run("sweep", args)
    for i in range(4):  # the first run dies after four models on the M4 only
        assert store.record_measurement(first, make_model(i), m4_twin, [1000 + i]) is not None
    store.finish_run(first, "interrupted")

    second = store.begin_run("sweep", args)
    assert second.run_key == first.run_key and second.id != first.id
    recorded, skipped = [], []
    for board in (m4_twin, m7_board):
        for i in range(6):
            model = make_model(i)
            if store.is_done(second.run_key, model.hash, board.name):
                skipped.append((i, board.name))
                continue
            recorded.append(store.record_measurement(second, model, board, [2000 + i]))
    assert skipped == [(i, m4_twin.name) for i in range(4)]
    assert len(recorded) == 8 and all(r is not None for r in recorded)
    counts = store.counts()
    assert counts["measurements"] == 12 and counts["models"] == 6 and counts["boards"] == 2
    # recording again (the sweep not checking is_done) is a no-op that keeps the first value
    assert store.record_measurement(second, make_model(0), m4_twin, [999_999]) is None
    [m] = store.measurements(board=m4_twin.name, model_hash=make_model(0).hash)
    assert m.measurement.cycles_median == 1000 and m.measurement.run_id == first.id
    assert store.counts()["measurements"] == 12


def test_a_different_configuration_measures_again(store, m4_twin, make_model):
    a = store.begin_run("sweep", {"repeats": 5})
    b = store.begin_run("sweep", {"repeats": 10})
    assert store.record_measurement(a, make_model(1), m4_twin, [10]) is not None
    assert not store.is_done(b.run_key, make_model(1).hash, m4_twin.name)
    assert store.record_measurement(b, make_model(1), m4_twin, [11]) is not None
    assert store.counts()["measurements"] == 2 and store.counts()["models"] == 1


def test_failed_attempts_count_across_runs_of_one_configuration(store, m4_twin, make_model):
    args = {"space": "kws"}
    first = store.begin_run("sweep", args)
    model = make_model(2)
    assert store.failed_attempts(first.run_key, model.hash, m4_twin.name) == 0
    store.record_failure(first, model, m4_twin, attempt=1, kind="timeout", message="stuck")
    store.record_failure(first, model, m4_twin, attempt=2, kind="timeout", message="stuck again")
    second = store.begin_run("sweep", args)
    n = store.failed_attempts(second.run_key, model.hash, m4_twin.name)
    assert n == 2
    store.record_failure(second, model, m4_twin, attempt=n + 1, kind="mismatch", message="outputs differ")
    assert store.failed_attempts(second.run_key, model.hash, m4_twin.name) == 3
    other = store.begin_run("sweep", {"space": "cifar"})
    assert store.failed_attempts(other.run_key, model.hash, m4_twin.name) == 0
