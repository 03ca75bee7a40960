"""Sweeps on real twins: resumable without duplicates, robust to a misbehaving link, a broken
board skipped while the others go on, and a sweep killed with SIGKILL finished by a re-run."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from harness.paths import REPO_ROOT
from harness.runtime.sweep import SweepConfig, run_sweep
from harness.store.results_store import ResultsStore
from harness.transports.fault_proxy import FaultPlan

F446 = "nucleo-f446re"
F746 = "nucleo-f746zg"


def _cycles_by_model(store_path, board):
    with ResultsStore(store_path) as store:
        return {m.model.hash: m.measurement.cycles_median for m in store.measurements(board=board)}


@pytest.fixture(scope="module")
def clean_sweep(tmp_path_factory):
    """A fault-free reference sweep of 4 KWS architectures on the F446RE twin."""
    db = tmp_path_factory.mktemp("clean") / "r.db"
    config = SweepConfig(space="kws", n=4, boards=(F446,), seed=11)
    summary = run_sweep(config, db, progress=False)
    return config, db, summary


def test_sweep_records_every_model_and_a_rerun_duplicates_nothing(clean_sweep):
    config, db, summary = clean_sweep
    assert summary.completed and summary.boards[f"{F446}@twin"].done == 4
    again = run_sweep(config, db, progress=False)
    b = again.boards[f"{F446}@twin"]
    assert (b.done, b.skipped, b.failed) == (0, 4, 0) and again.run_key == summary.run_key
    with ResultsStore(db) as store:
        assert store.integrity_check() == [] and store.counts()["measurements"] == 4
        ms = store.measurements(run_key=summary.run_key)
        assert all(m.measurement.source == "emulated" and m.measurement.outputs_checked for m in ms)
        assert all(m.model.space == "kws" and m.model.arch_spec for m in ms)
        assert {r.status for r in store.runs(run_key=summary.run_key)} == {"completed"}
        # The firmware is part of the sweep's identity: another build would be another sweep.
        from harness.boards import get_board
        from harness.firmware.build import build_firmware

        image = build_firmware(get_board(F446), "twin")
        assert store.get_run(summary.run_id).args["firmware"] == {F446: image.hash}
        assert all(m.measurement.firmware_hash == image.hash for m in ms)


@pytest.mark.parametrize(
    "plan",
    [
        # Corrupted commands and input bytes: the DUT answers e-[...] or the output check fails.
        FaultPlan(corrupt_rate=0.01, direction="to_device", connection_fault_rate=0.7, seed=5),
        # The link cut mid-session (boot banner passes, the rest of the exchange does not).
        FaultPlan(close_after_device_bytes=300, connection_fault_rate=0.7, seed=9),
    ],
    ids=["corrupt-to-device", "cut-mid-session"],
)
def test_faulty_link_costs_retries_but_never_a_wrong_number(clean_sweep, tmp_path, plan):
    _, clean_db, _ = clean_sweep
    db = tmp_path / "faulty.db"
    faulty = SweepConfig(space="kws", n=4, boards=(F446,), seed=11, retries=8, max_consecutive_failures=50,
                         console_faults={F446: plan})
    run_sweep(faulty, db, progress=False)
    with ResultsStore(db) as store:
        failures = store.failures()
        assert failures, "the faults should have cost at least one attempt"
        assert all(f.board == f"{F446}@twin" and f.message for f in failures)
        assert any(f.console_excerpt for f in failures)
        assert store.integrity_check() == []
    # Whatever was recorded through the bad link is exactly what the clean link measured.
    clean = _cycles_by_model(clean_db, f"{F446}@twin")
    got = _cycles_by_model(db, f"{F446}@twin")
    assert got and all(got[h] == clean[h] for h in got)
    # The same sweep without faults finishes what the faults left undone, without duplicates.
    summary = run_sweep(SweepConfig(space="kws", n=4, boards=(F446,), seed=11), db, progress=False)
    assert summary.completed
    assert len(_cycles_by_model(db, f"{F446}@twin")) == 4


def test_a_broken_board_is_skipped_while_the_other_board_goes_on(tmp_path):
    dead_link = FaultPlan(close_after_device_bytes=20, seed=1)  # every connection is cut at boot
    config = SweepConfig(space="kws", n=3, boards=(F446, F746), seed=12, retries=1, max_consecutive_failures=3,
                         console_faults={F446: dead_link})
    summary = run_sweep(config, tmp_path / "r.db", progress=False)
    broken, healthy = summary.boards[f"{F446}@twin"], summary.boards[f"{F746}@twin"]
    assert healthy.done == 3 and not healthy.broken
    assert broken.broken and broken.done == 0 and "3 consecutive failures" in broken.broken_reason
    assert not summary.completed
    with ResultsStore(tmp_path / "r.db") as store:
        failures = store.failures()
        # 3 failed attempts mark the board broken; the rest of its models are never tried.
        assert len([f for f in failures if f.board == f"{F446}@twin"]) == 3
        assert all(f.kind in ("TwinError", "DutDisconnected", "TargetError", "DutTimeout") for f in failures)


def _measurement_count(db) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return conn.execute("SELECT COUNT(*) FROM measurements").fetchone()[0] if "measurements" in tables else 0
    finally:
        conn.close()


def test_sweep_killed_with_sigkill_is_finished_by_a_rerun(tmp_path):
    db = tmp_path / "r.db"
    n = 8
    argv = [sys.executable, "-m", "harness.cli.main", "sweep", "--space", "kws", "--n", str(n), "--board", F446,
            "--twin", "--seed", "13", "--db", str(db), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    rng = random.Random(4)
    killed_mid_run = 0
    for _ in range(3):
        before = _measurement_count(db)
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        # Kill at a random point after the sweep has recorded at least one more model, so the kill
        # lands in the middle of the sweep however fast this machine is.
        deadline = time.monotonic() + 300
        while proc.poll() is None and _measurement_count(db) <= before and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.4))
        if proc.poll() is not None:
            break  # it finished before the kill: nothing left to interrupt
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_mid_run += 1
        time.sleep(0.5)  # the workers die with their parent (PDEATHSIG)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            dup = conn.execute("SELECT COUNT(*) FROM (SELECT run_key, model_hash, board FROM measurements "
                               "GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)").fetchone()[0]
            assert dup == 0
        finally:
            conn.close()
    assert killed_mid_run >= 1
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    with ResultsStore(db) as store:
        assert len(store.measurements(board=f"{F446}@twin")) == n
        statuses = [r.status for r in store.runs(kind="sweep")]
        assert statuses[0] == "completed"
        assert statuses.count("running") == killed_mid_run  # killed runs stay as they were left
