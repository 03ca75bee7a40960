"""The store under SIGKILL and with two writing processes (real SQLite, real processes)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from harness.store import ResultsStore

WRITER = Path(__file__).with_name("store_writer.py")
BOARD = "nucleo-f446re@twin"


def _start_writer(db: Path, first: int, last: int, synchronous: str = "FULL") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(db), str(first), str(last), "--synchronous", synchronous],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _acknowledged(stdout: str) -> set[int]:
    return {int(line.split()[1]) for line in stdout.splitlines() if line.startswith(("ok ", "dup "))}


def _check_consistent(db: Path) -> set[int]:
    """Integrity, foreign keys, and every measurement complete with its model, firmware and plan."""
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    rows = conn.execute(
        """SELECT m.model_hash, mo.hash, f.hash, p.hash FROM measurements m
           LEFT JOIN models mo ON mo.hash = m.model_hash
           LEFT JOIN firmware f ON f.hash = m.firmware_hash
           LEFT JOIN plans p ON p.hash = m.plan_hash"""
    ).fetchall()
    assert all(None not in r for r in rows), "a measurement is missing a row written in its transaction"
    # a model, firmware or plan row never exists without the measurement committed with it
    assert conn.execute("SELECT COUNT(*) FROM models").fetchone()[0] == len(rows)
    assert conn.execute("SELECT COUNT(*) FROM firmware").fetchone()[0] == len(rows)
    assert conn.execute("SELECT COUNT(*) FROM plans").fetchone()[0] == len(rows)
    dupes = conn.execute(
        "SELECT COUNT(*) FROM (SELECT run_key, model_hash, board FROM measurements GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert dupes == 0
    conn.close()
    return {int(r[0].split("-")[1]) for r in rows}


def test_sigkill_at_random_points_loses_nothing_committed(tmp_path):
    db = tmp_path / "results.db"
    total = 600
    rng = random.Random(20261124)
    acknowledged: set[int] = set()
    kills = 0
    for _ in range(6):
        proc = _start_writer(db, 0, total)
        first = proc.stdout.readline()
        assert first.startswith("run "), first + proc.stderr.read()
        # let the writer commit a random number of results, then kill it a moment later: usually in
        # the middle of the next transaction, sometimes between the commit and its acknowledgement
        lines = [proc.stdout.readline() for _ in range(rng.randint(5, 70))]
        time.sleep(rng.uniform(0, 0.004))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # read through the same buffered file object readline() used: communicate() would skip its buffer
        out = "".join(lines) + proc.stdout.read()
        proc.stdout.close()
        proc.stderr.close()
        if proc.returncode == -signal.SIGKILL:
            kills += 1
        acknowledged |= _acknowledged(out)
        committed = _check_consistent(db)
        assert acknowledged <= committed, f"acknowledged but lost: {sorted(acknowledged - committed)[:5]}"
        # at most the one write in flight when the kill landed was committed but not acknowledged
        assert len(committed - acknowledged) <= 1
        acknowledged = committed
    assert kills >= 4, "the writer finished before it could be killed; the test did not exercise a crash"
    # a final uninterrupted run completes the sweep, skipping everything already committed
    proc = _start_writer(db, 0, total)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    newly = _acknowledged(out)
    assert newly.isdisjoint(acknowledged)
    assert _check_consistent(db) == set(range(total))
    with ResultsStore(db) as store:
        assert store.integrity_check() == []
        runs = store.runs(kind="sweep")
        assert len(runs) == 7 and len({r.run_key for r in runs}) == 1
        assert runs[0].status == "completed" and all(r.status == "running" for r in runs[1:])
        assert len(store.measurements(board=BOARD)) == total


def test_two_processes_write_concurrently_without_errors_or_duplicates(tmp_path):
    db = tmp_path / "results.db"
    ResultsStore(db).close()  # create the schema once, as the sweep's parent would
    a = _start_writer(db, 0, 100)
    b = _start_writer(db, 50, 150)
    out_a, err_a = a.communicate(timeout=180)
    out_b, err_b = b.communicate(timeout=180)
    assert a.returncode == 0, err_a
    assert b.returncode == 0, err_b
    assert "database is locked" not in err_a + err_b
    assert _check_consistent(db) == set(range(150))
    ok_a = {int(x.split()[1]) for x in out_a.splitlines() if x.startswith("ok ")}
    ok_b = {int(x.split()[1]) for x in out_b.splitlines() if x.startswith("ok ")}
    # every model was recorded by exactly one of the two writers
    assert ok_a.isdisjoint(ok_b) and ok_a | ok_b == set(range(150))
