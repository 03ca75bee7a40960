from __future__ import annotations

import sqlite3

import pytest

from harness.store import SCHEMA_VERSION, ResultsStore, StoreError
from harness.store.schema import MIGRATIONS


def test_new_store_has_every_table_wal_and_migrations(tmp_path):
    path = tmp_path / "r.db"
    ResultsStore(path).close()
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "boards", "firmware", "models", "plans", "measurements", "failures", "schema_migrations"} <= tables
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [m.version for m in MIGRATIONS]
    assert versions[-1] == SCHEMA_VERSION
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    cols = {r[1] for r in conn.execute("PRAGMA table_info(measurements)")}
    assert {"run_id", "run_key", "model_hash", "board", "firmware_hash", "plan_hash", "source", "cycles_median",
            "cycles_min", "cycles_max", "cycles_mad", "instructions", "latency_us", "repeats",
            "outputs_checked", "created"} <= cols
    conn.close()


def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "r.db"
    for _ in range(3):
        with ResultsStore(path) as s:
            assert s.schema_version() == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_old_database_is_migrated_forward(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    for statement in MIGRATIONS[0].statements:
        conn.execute(statement)
    conn.execute("INSERT INTO schema_migrations VALUES (1, 'initial', '2026-01-01')")
    conn.close()
    with ResultsStore(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "measurements_by_board" in indexes


def test_newer_schema_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "future.db"
    ResultsStore(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO schema_migrations VALUES (?, 'from the future', '2030-01-01')", (SCHEMA_VERSION + 1,))
    conn.close()
    with pytest.raises(StoreError, match=r"future\.db.*newer than this tinyhil"):
        ResultsStore(path)


def test_a_file_that_is_not_a_database_is_named(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("this is not sqlite\n" * 100)
    with pytest.raises(StoreError, match=r"notes\.db"):
        ResultsStore(path)


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(StoreError, match="is a directory"):
        ResultsStore(tmp_path)
