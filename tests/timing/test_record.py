"""TimingRecord: one shape for emulated (plugin) and measured (DWT) timings."""

from __future__ import annotations

import pytest

from harness.timing import TimingRecord


def test_emulated_and_measured_records():
    emulated = TimingRecord(source="emulated", cycles=360_000, clock_hz=180_000_000, timing_model="cortex-m4", instructions=300_000)
    assert emulated.us_at_clock == pytest.approx(2000.0)
    assert emulated.cpi == pytest.approx(1.2)
    measured = TimingRecord.measured(cycles=432_000, clock_hz=216_000_000, core="cortex-m7", region=3)
    assert measured.source == "measured" and measured.instructions is None and measured.cpi is None
    assert measured.us_at_clock == pytest.approx(2000.0)
    assert measured.to_dict()["region"] == 3


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"source": "simulated"}, "source"),
        ({"cycles": -1}, "cycles"),
        ({"clock_hz": 0}, "clock_hz"),
        ({"instructions": -5}, "instructions"),
    ],
)
def test_bad_records_are_rejected(kwargs, message):
    base = {"source": "emulated", "cycles": 10, "clock_hz": 1_000_000, "timing_model": "cortex-m4"}
    with pytest.raises(ValueError, match=message):
        TimingRecord(**{**base, **kwargs})
