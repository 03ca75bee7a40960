from __future__ import annotations

import pytest

from harness.store import BoardRecord, ModelRecord, ResultsStore


@pytest.fixture
def store(tmp_path):
    s = ResultsStore(tmp_path / "results.db")
    yield s
    s.close()


@pytest.fixture
def m4_twin() -> BoardRecord:
    return BoardRecord("nucleo-f446re@twin", True, "cortex-m4", 180_000_000, "cortex-m4")


@pytest.fixture
def m7_board() -> BoardRecord:
    return BoardRecord("nucleo-f746zg", False, "cortex-m7", 216_000_000, "")


def _make_model(i: int, space: str = "kws") -> ModelRecord:
    return ModelRecord(
        hash=f"h{i:04d}-{space}",
        source="sampled",
        ops=2000 + 100 * i,
        macs=1000 + 50 * i,
        name=f"{space}-{i}",
        space=space,
        arch_spec={"i": i},
        params=10 * i,
        flash_bytes=1000 + i,
        sram_bytes=500 + i,
        arena_bytes=600 + i,
        ops_by_layer_type={"conv": 1000 + 60 * i, "depthwise": 400, "pointwise": 600 + 40 * i},
        layers=4,
    )


@pytest.fixture
def make_model():
    return _make_model
