"""The results store: runs, boards, firmware, models, plans, measurements and failures in SQLite."""

from harness.store.export import export_csv, export_json, measurements_csv, store_as_dict
from harness.store.records import (
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
from harness.store.results_store import (
    ResultsStore,
    StoreError,
    default_store_path,
    open_existing,
    run_key_for,
)
from harness.store.schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "BoardRecord",
    "CycleStats",
    "FailureRecord",
    "FirmwareRecord",
    "MeasuredModel",
    "MeasurementRecord",
    "ModelRecord",
    "PlanRecord",
    "ResultsStore",
    "RunRecord",
    "StoreError",
    "default_store_path",
    "export_csv",
    "export_json",
    "measurements_csv",
    "open_existing",
    "run_key_for",
    "store_as_dict",
]
