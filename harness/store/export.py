"""Export the results store to CSV (one flat row per measurement) and JSON (every table)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.atomic_io import write_text_atomic
from harness.latency.layer_types import LAYER_TYPES, canonical_layer_ops
from harness.store.records import MeasuredModel
from harness.store.results_store import ResultsStore

CSV_COLUMNS: tuple[str, ...] = (
    "measurement_id", "run_id", "run_key", "board", "is_twin", "core", "clock_hz", "source",
    "model_hash", "model_name", "model_source", "space", "macs", "ops", "params", "flash_bytes",
    "sram_bytes", "arena_bytes", "layers",
    *(f"ops_{t}" for t in LAYER_TYPES),
    "cycles_median", "cycles_min", "cycles_max", "cycles_mad", "instructions", "repeats",
    "latency_us", "latency_ms", "outputs_checked", "firmware_hash", "plan_hash", "created",
)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never a partial file."""
    write_text_atomic(path, text)


def measurement_row(item: MeasuredModel) -> dict[str, Any]:
    m, mo, b = item.measurement, item.model, item.board
    ops_by_type = canonical_layer_ops(mo.ops_by_layer_type)
    row: dict[str, Any] = {
        "measurement_id": m.id, "run_id": m.run_id, "run_key": m.run_key, "board": b.name,
        "is_twin": int(b.is_twin), "core": b.core, "clock_hz": b.clock_hz, "source": m.source,
        "model_hash": mo.hash, "model_name": mo.name, "model_source": mo.source, "space": mo.space,
        "macs": mo.macs, "ops": mo.ops, "params": mo.params, "flash_bytes": mo.flash_bytes,
        "sram_bytes": mo.sram_bytes, "arena_bytes": mo.arena_bytes, "layers": mo.layers,
        "cycles_median": m.cycles_median, "cycles_min": m.cycles_min, "cycles_max": m.cycles_max,
        "cycles_mad": m.cycles_mad, "instructions": m.instructions, "repeats": m.repeats,
        "latency_us": m.latency_us, "latency_ms": m.latency_ms, "outputs_checked": int(m.outputs_checked),
        "firmware_hash": m.firmware_hash, "plan_hash": m.plan_hash, "created": m.created,
    }
    for t in LAYER_TYPES:
        row[f"ops_{t}"] = ops_by_type[t]
    return row


def measurements_csv(items: Sequence[MeasuredModel]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow({k: ("" if v is None else v) for k, v in measurement_row(item).items()})
    return buf.getvalue()


def export_csv(store: ResultsStore, path: Path, **filters: Any) -> int:
    """Write the (filtered) measurements as CSV; returns the number of rows."""
    items = store.measurements(**filters)
    write_atomically(Path(path), measurements_csv(items))
    return len(items)


def store_as_dict(store: ResultsStore, *, run_id: str | None = None) -> dict[str, Any]:
    """Every table (or one run's results and what they refer to) as JSON-ready data."""
    runs = [store.get_run(run_id)] if run_id else store.runs()
    items = store.measurements(run_id=run_id) if run_id else store.measurements()
    failures = store.failures(run_id=run_id)
    model_hashes = {i.model.hash for i in items} | {f.model_hash for f in failures}
    board_names = {i.board.name for i in items} | {f.board for f in failures}
    models = [m for m in store.models() if not run_id or m.hash in model_hashes]
    boards = [b for b in store.boards() if not run_id or b.name in board_names]
    firmware = [f for f in store.firmware() if not run_id or f.hash in {i.measurement.firmware_hash for i in items}]
    plans = [p for p in store.plans() if not run_id or p.hash in {i.measurement.plan_hash for i in items}]
    return {
        "format": "tinyhil-results",
        "schema_version": store.schema_version(),
        "runs": [dataclasses.asdict(r) for r in runs],
        "boards": [dataclasses.asdict(b) for b in boards],
        "firmware": [dataclasses.asdict(f) for f in firmware],
        "models": [dataclasses.asdict(m) for m in models],
        "plans": [dataclasses.asdict(p) for p in plans],
        "measurements": [dataclasses.asdict(i.measurement) for i in items],
        "failures": [dataclasses.asdict(f) for f in failures],
    }


def export_json(store: ResultsStore, path: Path, *, run_id: str | None = None) -> dict[str, int]:
    """Write the store (or one run) as JSON; returns the number of records per table."""
    data = store_as_dict(store, run_id=run_id)
    write_atomically(Path(path), json.dumps(data, indent=2, sort_keys=True) + "\n")
    return {k: len(v) for k, v in data.items() if isinstance(v, list)}
