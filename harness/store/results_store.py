"""``ResultsStore``: the SQLite database every measurement, failure and run is recorded in.

The database runs in WAL mode so readers never block the writer, with a busy timeout so that two
processes may write at once. Every recorded result is one ``BEGIN IMMEDIATE`` ... ``COMMIT``
transaction holding the result and the rows it refers to (model, board, firmware, plan): a process
killed at any point leaves either the whole result or none of it. Inserts are keyed so that
recording the same thing twice changes nothing: a measurement is unique by
``(run_key, model_hash, board)``, where ``run_key`` identifies the sweep configuration.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import __version__
from harness.latency.layer_types import LayerTypeError, canonical_layer_ops
from harness.store.records import (
    MEASUREMENT_SOURCES,
    RUN_STATUSES,
    BoardRecord,
    CycleStats,
    FailureRecord,
    FirmwareRecord,
    MeasuredModel,
    MeasurementRecord,
    ModelRecord,
    PlanRecord,
    RunRecord,
)
from harness.store.schema import SchemaVersionError, migrate

log = logging.getLogger(__name__)

CONSOLE_EXCERPT_CHARS = 4000
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


class StoreError(RuntimeError):
    """A results store that cannot be opened or a record that cannot be stored."""


def default_store_path() -> Path:
    """``$TINYHIL_DB``, else ``results/results.db`` under the results directory."""
    import os

    from harness.paths import RESULTS_DIR

    return Path(os.environ.get("TINYHIL_DB") or RESULTS_DIR / "results.db")


def open_existing(path: Path | str | None = None) -> ResultsStore:
    """Open a store that must already exist (for commands that only read)."""
    path = Path(path) if path else default_store_path()
    if not path.is_file():
        raise StoreError(f"{path}: no results database here; run a sweep first or pass --db")
    return ResultsStore(path)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def run_key_for(kind: str, args: dict[str, Any]) -> str:
    """A stable key for a run configuration: the same kind and arguments give the same key."""
    canonical = json.dumps({"kind": kind, "args": args}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


class ResultsStore:
    """The results database at ``path`` (created, and migrated to the current schema, on open).

    ``synchronous="FULL"`` (default) makes each commit durable against power loss as well as
    process death; ``"NORMAL"`` is durable against process death only, and faster.
    """

    def __init__(self, path: Path | str, *, busy_timeout_s: float = 30.0, synchronous: str = "FULL"):
        self.path = Path(path)
        if synchronous.upper() not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous: expected one of {SYNCHRONOUS_MODES}, got {synchronous!r}")
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory; expected a results database file")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(str(self.path), timeout=busy_timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open results database: {exc}") from None
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"{self.path}: could not switch the database to WAL mode (got {mode!r})")
            self._conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            migrate(self._conn, where=str(self.path))
        except SchemaVersionError as exc:
            self._conn.close()
            raise StoreError(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise StoreError(f"{self.path}: not a usable tinyhil results database: {exc}") from None

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; the write lock is taken at the start so it cannot deadlock."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")

    # -- runs ----------------------------------------------------------------------------------

    def begin_run(
        self,
        kind: str,
        args: dict[str, Any] | None = None,
        *,
        run_key: str | None = None,
        compiler_version: str = "",
        qemu_version: str = "",
        host: str | None = None,
    ) -> RunRecord:
        """Start a run. ``run_key`` defaults to a hash of ``kind`` and ``args``."""
        if not kind or not kind.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"run kind: expected a word such as 'sweep', 'profile' or 'study', got {kind!r}")
        args = dict(args or {})
        started = utc_now()
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        run = RunRecord(
            id=f"{kind}-{stamp}-{secrets.token_hex(3)}",
            kind=kind,
            run_key=run_key or run_key_for(kind, args),
            started=started,
            args=args,
            status="running",
            tinyhil_version=__version__,
            host=host if host is not None else platform.node(),
            compiler_version=compiler_version,
            qemu_version=qemu_version,
        )
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO runs (id, kind, run_key, started, finished, args_json, status,
                       tinyhil_version, host, compiler_version, qemu_version)
                   VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)""",
                (run.id, run.kind, run.run_key, run.started, _json(run.args), run.status,
                 run.tinyhil_version, run.host, run.compiler_version, run.qemu_version),
            )
        return run

    def finish_run(self, run: RunRecord | str, status: str = "completed") -> RunRecord:
        if status not in RUN_STATUSES or status == "running":
            raise ValueError(f"run status: expected one of {[s for s in RUN_STATUSES if s != 'running']}, got {status!r}")
        run_id = run if isinstance(run, str) else run.id
        with self.transaction() as conn:
            cur = conn.execute("UPDATE runs SET status = ?, finished = ? WHERE id = ?", (status, utc_now(), run_id))
            if cur.rowcount != 1:
                raise StoreError(f"{self.path}: no run with id {run_id!r}")
        return self.get_run(run_id)

    def get_run(self, run_id: str) -> RunRecord:
        rows = self._query("SELECT * FROM runs WHERE id = ?", [run_id])
        if not rows:
            known = [r.id for r in self.runs()[:5]]
            raise StoreError(f"{self.path}: no run with id {run_id!r} (latest: {', '.join(known) or 'none'})")
        return self._run_from_row(rows[0])

    def runs(self, *, kind: str | None = None, run_key: str | None = None) -> list[RunRecord]:
        """Runs, newest first."""
        sql, params = "SELECT * FROM runs WHERE 1 = 1", []
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        if run_key:
            sql += " AND run_key = ?"
            params.append(run_key)
        sql += " ORDER BY started DESC, id DESC"
        return [self._run_from_row(r) for r in self._query(sql, params)]

    def latest_run(self, kind: str | None = None) -> RunRecord | None:
        runs = self.runs(kind=kind)
        return runs[0] if runs else None

    # -- results -------------------------------------------------------------------------------

    def is_done(self, run_key: str, model_hash: str, board_name: str) -> bool:
        """Whether a measurement for this model and board already exists for this configuration."""
        row = self._conn.execute(
            "SELECT 1 FROM measurements WHERE run_key = ? AND model_hash = ? AND board = ?",
            (run_key, model_hash, board_name),
        ).fetchone()
        return row is not None

    def failed_attempts(self, run_key: str, model_hash: str, board_name: str) -> int:
        """Failed attempts recorded for this model and board under this configuration (across runs)."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM failures WHERE run_key = ? AND model_hash = ? AND board = ?",
            (run_key, model_hash, board_name),
        ).fetchone()
        return int(row[0])

    def record_measurement(
        self,
        run: RunRecord,
        model: ModelRecord,
        board: BoardRecord,
        cycles: CycleStats | Sequence[int],
        *,
        instructions: int | None = None,
        firmware: FirmwareRecord | None = None,
        plan: PlanRecord | None = None,
        outputs_checked: bool = False,
        source: str | None = None,
    ) -> MeasurementRecord | None:
        """Record one model's result on one board, atomically with its model/board/firmware/plan rows.

        ``cycles`` is the per-repeat cycle counts or their summary. ``source`` defaults to
        ``"emulated"`` on a twin and ``"measured"`` on a real board. Returns the stored record, or
        ``None`` when this configuration already has a result for this model and board.
        """
        stats = cycles if isinstance(cycles, CycleStats) else CycleStats.from_samples(cycles)
        stats.validate()
        source = source or ("emulated" if board.is_twin else "measured")
        if source not in MEASUREMENT_SOURCES:
            raise ValueError(f"measurement source: expected one of {MEASUREMENT_SOURCES}, got {source!r}")
        if instructions is not None and instructions < 0:
            raise ValueError(f"instructions: expected a non-negative count, got {instructions}")
        self._check_model(model)
        if firmware is not None and firmware.board != board.name:
            raise ValueError(f"firmware {firmware.hash}: built for board {firmware.board!r}, recorded on {board.name!r}")
        if plan is not None and (plan.model_hash != model.hash or plan.board != board.name):
            raise ValueError(f"plan {plan.hash}: made for ({plan.model_hash}, {plan.board}), recorded on ({model.hash}, {board.name})")
        record = MeasurementRecord(
            run_id=run.id,
            run_key=run.run_key,
            model_hash=model.hash,
            board=board.name,
            source=source,
            cycles_median=stats.median,
            cycles_min=stats.min,
            cycles_max=stats.max,
            cycles_mad=stats.mad,
            repeats=stats.repeats,
            latency_us=stats.median / board.clock_hz * 1e6,
            instructions=instructions,
            firmware_hash=firmware.hash if firmware else None,
            plan_hash=plan.hash if plan else None,
            outputs_checked=bool(outputs_checked),
            created=utc_now(),
        )
        with self.transaction() as conn:
            self._put_board(conn, board)
            self._put_model(conn, model)
            if firmware is not None:
                self._put_firmware(conn, firmware)
            if plan is not None:
                conn.execute(
                    "INSERT INTO plans (hash, model_hash, board) VALUES (?, ?, ?) ON CONFLICT(hash) DO NOTHING",
                    (plan.hash, plan.model_hash, plan.board),
                )
            cur = conn.execute(
                """INSERT INTO measurements (run_id, run_key, model_hash, board, firmware_hash, plan_hash,
                       source, cycles_median, cycles_min, cycles_max, cycles_mad, instructions,
                       latency_us, repeats, outputs_checked, created)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(run_key, model_hash, board) DO NOTHING""",
                (record.run_id, record.run_key, record.model_hash, record.board, record.firmware_hash,
                 record.plan_hash, record.source, record.cycles_median, record.cycles_min, record.cycles_max,
                 record.cycles_mad, record.instructions, record.latency_us, record.repeats,
                 int(record.outputs_checked), record.created),
            )
            if cur.rowcount == 0:
                return None
            row_id = cur.lastrowid
        return MeasurementRecord(**{**record.__dict__, "id": row_id})

    def record_failure(
        self,
        run: RunRecord,
        model: ModelRecord | str,
        board: BoardRecord,
        *,
        attempt: int,
        kind: str,
        message: str,
        console_log: str = "",
    ) -> FailureRecord | None:
        """Record one failed attempt (``model`` may be a hash when no model could be built).

        The console log is kept as its last ``CONSOLE_EXCERPT_CHARS`` characters. Returns ``None``
        when this attempt was already recorded for this run.
        """
        if attempt < 1:
            raise ValueError(f"failure attempt: expected 1 or more, got {attempt}")
        if not kind:
            raise ValueError("failure kind: expected a short word such as 'timeout' or 'mismatch', got ''")
        model_hash = model if isinstance(model, str) else model.hash
        if not isinstance(model, str):
            self._check_model(model)
        excerpt = console_log[-CONSOLE_EXCERPT_CHARS:] if console_log else ""
        record = FailureRecord(run.id, run.run_key, model_hash, board.name, attempt, kind, message, excerpt, utc_now())
        with self.transaction() as conn:
            self._put_board(conn, board)
            if not isinstance(model, str):
                self._put_model(conn, model)
            cur = conn.execute(
                """INSERT INTO failures (run_id, run_key, model_hash, board, attempt, kind, message,
                       console_excerpt, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(run_id, model_hash, board, attempt) DO NOTHING""",
                (record.run_id, record.run_key, record.model_hash, record.board, record.attempt,
                 record.kind, record.message, record.console_excerpt, record.created),
            )
            if cur.rowcount == 0:
                return None
            row_id = cur.lastrowid
        return FailureRecord(**{**record.__dict__, "id": row_id})

    def put_model(self, model: ModelRecord) -> None:
        """Store a model row on its own (e.g. before any board measured it)."""
        self._check_model(model)
        with self.transaction() as conn:
            self._put_model(conn, model)

    # -- queries -------------------------------------------------------------------------------

    def measurements(
        self,
        *,
        board: str | None = None,
        space: str | None = None,
        source: str | None = None,
        run_id: str | Sequence[str] | None = None,
        run_key: str | None = None,
        model_hash: str | None = None,
    ) -> list[MeasuredModel]:
        """Measurements joined with their model and board, oldest first."""
        sql = """SELECT m.*, mo.hash AS mo_hash, mo.name AS mo_name, mo.source AS mo_source, mo.space AS mo_space,
                        mo.arch_spec_json, mo.macs, mo.ops, mo.params, mo.flash_bytes, mo.sram_bytes,
                        mo.arena_bytes, mo.ops_by_layer_type_json, mo.layers,
                        b.is_twin, b.core, b.clock_hz, b.timing_model
                 FROM measurements m JOIN models mo ON mo.hash = m.model_hash JOIN boards b ON b.name = m.board
                 WHERE 1 = 1"""
        params: list[Any] = []
        for column, value in (("m.board", board), ("mo.space", space), ("m.source", source),
                              ("m.run_key", run_key), ("m.model_hash", model_hash)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        if run_id is not None:
            ids = [run_id] if isinstance(run_id, str) else list(run_id)
            sql += f" AND m.run_id IN ({', '.join('?' * len(ids))})"
            params.extend(ids)
        sql += " ORDER BY m.id"
        return [self._measured_from_row(r) for r in self._query(sql, params)]

    def failures(self, *, run_id: str | None = None) -> list[FailureRecord]:
        sql, params = "SELECT * FROM failures", []
        if run_id is not None:
            sql += " WHERE run_id = ?"
            params.append(run_id)
        sql += " ORDER BY id"
        return [
            FailureRecord(r["run_id"], r["run_key"], r["model_hash"], r["board"], r["attempt"], r["kind"],
                          r["message"], r["console_excerpt"], r["created"], r["id"])
            for r in self._query(sql, params)
        ]

    def models(self, *, space: str | None = None) -> list[ModelRecord]:
        sql, params = "SELECT * FROM models", []
        if space is not None:
            sql += " WHERE space = ?"
            params.append(space)
        return [self._model_from_row(r) for r in self._query(sql + " ORDER BY hash", params)]

    def get_model(self, model_hash: str) -> ModelRecord | None:
        rows = self._query("SELECT * FROM models WHERE hash = ?", [model_hash])
        return self._model_from_row(rows[0]) if rows else None

    def boards(self) -> list[BoardRecord]:
        return [self._board_from_row(r) for r in self._query("SELECT * FROM boards ORDER BY name", [])]

    def firmware(self) -> list[FirmwareRecord]:
        return [
            FirmwareRecord(r["hash"], r["board"], json.loads(r["size_report_json"]))
            for r in self._query("SELECT * FROM firmware ORDER BY hash", [])
        ]

    def plans(self) -> list[PlanRecord]:
        return [PlanRecord(r["hash"], r["model_hash"], r["board"]) for r in self._query("SELECT * FROM plans ORDER BY hash", [])]

    def counts(self) -> dict[str, int]:
        tables = ("runs", "boards", "firmware", "models", "plans", "measurements", "failures")
        return {t: int(self._conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in tables}

    def integrity_check(self) -> list[str]:
        """SQLite's integrity check plus foreign keys; an empty list means the database is sound."""
        problems = [r[0] for r in self._conn.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
        for table, rowid, parent, _ in self._conn.execute("PRAGMA foreign_key_check").fetchall():
            problems.append(f"{table} row {rowid}: missing {parent} row")
        return problems

    def schema_version(self) -> int:
        return int(self._conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0])

    # -- internals -----------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
        cur = self._conn.cursor()
        cur.row_factory = sqlite3.Row
        return cur.execute(sql, list(params)).fetchall()

    @staticmethod
    def _check_model(model: ModelRecord) -> None:
        if not model.hash:
            raise ValueError("model hash: expected a non-empty content hash")
        if not model.source:
            raise ValueError(f"model {model.hash}: source: expected a path or 'sampled'")
        for name in ("ops", "macs", "params", "flash_bytes", "sram_bytes", "arena_bytes", "layers"):
            value = getattr(model, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"model {model.hash}: {name}: expected a non-negative integer, got {value!r}")
        if model.source == "sampled" and model.arch_spec is None:
            raise ValueError(f"model {model.hash}: arch_spec: a sampled model needs its architecture spec")
        try:
            canonical_layer_ops(model.ops_by_layer_type, where=f"model {model.hash}: ops_by_layer_type")
        except LayerTypeError as exc:
            raise ValueError(str(exc)) from None

    @staticmethod
    def _put_board(conn: sqlite3.Connection, board: BoardRecord) -> None:
        if board.clock_hz <= 0:
            raise ValueError(f"board {board.name}: clock_hz: expected a positive integer, got {board.clock_hz}")
        conn.execute(
            """INSERT INTO boards (name, is_twin, core, clock_hz, timing_model) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(name) DO UPDATE SET is_twin = excluded.is_twin, core = excluded.core,
                   clock_hz = excluded.clock_hz, timing_model = excluded.timing_model""",
            (board.name, int(board.is_twin), board.core, board.clock_hz, board.timing_model),
        )

    @staticmethod
    def _put_model(conn: sqlite3.Connection, model: ModelRecord) -> None:
        ops_by_type = canonical_layer_ops(model.ops_by_layer_type)
        conn.execute(
            """INSERT INTO models (hash, name, source, space, arch_spec_json, macs, ops, params, flash_bytes,
                   sram_bytes, arena_bytes, ops_by_layer_type_json, layers)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING""",
            (model.hash, model.name, model.source, model.space,
             None if model.arch_spec is None else _json(model.arch_spec), model.macs, model.ops, model.params,
             model.flash_bytes, model.sram_bytes, model.arena_bytes, _json(ops_by_type), model.layers),
        )

    @staticmethod
    def _put_firmware(conn: sqlite3.Connection, firmware: FirmwareRecord) -> None:
        conn.execute(
            "INSERT INTO firmware (hash, board, size_report_json) VALUES (?, ?, ?) ON CONFLICT(hash) DO NOTHING",
            (firmware.hash, firmware.board, _json(firmware.size_report)),
        )

    @staticmethod
    def _run_from_row(r: sqlite3.Row) -> RunRecord:
        return RunRecord(
            id=r["id"], kind=r["kind"], run_key=r["run_key"], started=r["started"], args=json.loads(r["args_json"]),
            status=r["status"], finished=r["finished"], tinyhil_version=r["tinyhil_version"], host=r["host"],
            compiler_version=r["compiler_version"], qemu_version=r["qemu_version"],
        )

    @staticmethod
    def _board_from_row(r: sqlite3.Row) -> BoardRecord:
        return BoardRecord(r["name"], bool(r["is_twin"]), r["core"], int(r["clock_hz"]), r["timing_model"])

    @staticmethod
    def _model_from_row(r: sqlite3.Row, prefix: str = "") -> ModelRecord:
        keys = r.keys()

        def col(name: str) -> Any:
            return r[prefix + name] if prefix + name in keys else r[name]

        arch = r["arch_spec_json"]
        return ModelRecord(
            hash=col("hash"), source=col("source"), ops=int(r["ops"]), macs=int(r["macs"]), name=col("name"),
            space=col("space"), arch_spec=None if arch is None else json.loads(arch), params=int(r["params"]),
            flash_bytes=int(r["flash_bytes"]), sram_bytes=int(r["sram_bytes"]), arena_bytes=int(r["arena_bytes"]),
            ops_by_layer_type=json.loads(r["ops_by_layer_type_json"]), layers=int(r["layers"]),
        )

    def _measured_from_row(self, r: sqlite3.Row) -> MeasuredModel:
        measurement = MeasurementRecord(
            run_id=r["run_id"], run_key=r["run_key"], model_hash=r["model_hash"], board=r["board"], source=r["source"],
            cycles_median=float(r["cycles_median"]), cycles_min=int(r["cycles_min"]), cycles_max=int(r["cycles_max"]),
            cycles_mad=float(r["cycles_mad"]), repeats=int(r["repeats"]), latency_us=float(r["latency_us"]),
            instructions=r["instructions"], firmware_hash=r["firmware_hash"], plan_hash=r["plan_hash"],
            outputs_checked=bool(r["outputs_checked"]), created=r["created"], id=int(r["id"]),
        )
        board = BoardRecord(r["board"], bool(r["is_twin"]), r["core"], int(r["clock_hz"]), r["timing_model"])
        return MeasuredModel(measurement, self._model_from_row(r, prefix="mo_"), board)
