"""The results store's schema, as an ordered list of migrations.

Each migration runs once, inside one transaction, and is recorded in ``schema_migrations``.
A database written by a newer tinyhil (a version this list does not know) is refused rather
than guessed at. To change the schema, append a migration; never edit an applied one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial schema: runs, boards, firmware, models, plans, measurements, failures",
        (
            """CREATE TABLE runs (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                run_key TEXT NOT NULL,
                started TEXT NOT NULL,
                finished TEXT,
                args_json TEXT NOT NULL DEFAULT '{}',
                status TEXT NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
                tinyhil_version TEXT NOT NULL DEFAULT '',
                host TEXT NOT NULL DEFAULT '',
                compiler_version TEXT NOT NULL DEFAULT '',
                qemu_version TEXT NOT NULL DEFAULT ''
            )""",
            """CREATE TABLE boards (
                name TEXT PRIMARY KEY,
                is_twin INTEGER NOT NULL CHECK (is_twin IN (0, 1)),
                core TEXT NOT NULL,
                clock_hz INTEGER NOT NULL CHECK (clock_hz > 0),
                timing_model TEXT NOT NULL DEFAULT ''
            )""",
            """CREATE TABLE firmware (
                hash TEXT PRIMARY KEY,
                board TEXT NOT NULL REFERENCES boards(name),
                size_report_json TEXT NOT NULL DEFAULT '{}'
            )""",
            """CREATE TABLE models (
                hash TEXT PRIMARY KEY,
                name TEXT NOT NULL DEFAULT '',
                source TEXT NOT NULL,
                space TEXT NOT NULL DEFAULT '',
                arch_spec_json TEXT,
                macs INTEGER NOT NULL DEFAULT 0 CHECK (macs >= 0),
                ops INTEGER NOT NULL CHECK (ops >= 0),
                params INTEGER NOT NULL DEFAULT 0 CHECK (params >= 0),
                flash_bytes INTEGER NOT NULL DEFAULT 0 CHECK (flash_bytes >= 0),
                sram_bytes INTEGER NOT NULL DEFAULT 0 CHECK (sram_bytes >= 0),
                arena_bytes INTEGER NOT NULL DEFAULT 0 CHECK (arena_bytes >= 0),
                ops_by_layer_type_json TEXT NOT NULL DEFAULT '{}',
                layers INTEGER NOT NULL DEFAULT 0 CHECK (layers >= 0)
            )""",
            """CREATE TABLE plans (
                hash TEXT PRIMARY KEY,
                model_hash TEXT NOT NULL REFERENCES models(hash),
                board TEXT NOT NULL REFERENCES boards(name)
            )""",
            """CREATE TABLE measurements (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id TEXT NOT NULL REFERENCES runs(id),
                run_key TEXT NOT NULL,
                model_hash TEXT NOT NULL REFERENCES models(hash),
                board TEXT NOT NULL REFERENCES boards(name),
                firmware_hash TEXT REFERENCES firmware(hash),
                plan_hash TEXT REFERENCES plans(hash),
                source TEXT NOT NULL CHECK (source IN ('measured', 'emulated')),
                cycles_median REAL NOT NULL CHECK (cycles_median >= 0),
                cycles_min INTEGER NOT NULL,
                cycles_max INTEGER NOT NULL,
                cycles_mad REAL NOT NULL CHECK (cycles_mad >= 0),
                instructions INTEGER,
                latency_us REAL NOT NULL CHECK (latency_us >= 0),
                repeats INTEGER NOT NULL CHECK (repeats >= 1),
                outputs_checked INTEGER NOT NULL DEFAULT 0 CHECK (outputs_checked IN (0, 1)),
                created TEXT NOT NULL,
                UNIQUE (run_key, model_hash, board),
                CHECK (cycles_min <= cycles_median AND cycles_median <= cycles_max)
            )""",
            """CREATE TABLE failures (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id TEXT NOT NULL REFERENCES runs(id),
                run_key TEXT NOT NULL,
                model_hash TEXT NOT NULL,
                board TEXT NOT NULL REFERENCES boards(name),
                attempt INTEGER NOT NULL CHECK (attempt >= 1),
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                console_excerpt TEXT NOT NULL DEFAULT '',
                created TEXT NOT NULL,
                UNIQUE (run_id, model_hash, board, attempt)
            )""",
        ),
    ),
    Migration(
        2,
        "indexes for fitting queries and run lookups",
        (
            "CREATE INDEX measurements_by_board ON measurements(board, source)",
            "CREATE INDEX measurements_by_run ON measurements(run_id)",
            "CREATE INDEX models_by_space ON models(space)",
            "CREATE INDEX runs_by_key ON runs(run_key, started)",
            "CREATE INDEX failures_by_run ON failures(run_id)",
        ),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


class SchemaVersionError(RuntimeError):
    """The database's schema is newer than this tinyhil knows."""


def current_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, *, where: str = "results store") -> list[int]:
    """Apply every pending migration; returns the versions applied. ``conn`` must be in autocommit mode."""
    applied: list[int] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )"""
        )
        version = current_version(conn)
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{where}: schema version {version} is newer than this tinyhil supports "
                f"({SCHEMA_VERSION}); use a newer tinyhil to read it"
            )
        for migration in MIGRATIONS:
            if migration.version <= version:
                continue
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            applied.append(migration.version)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return applied
