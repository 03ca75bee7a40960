"""The plugin's parts that need no board: board sets, marker filters, the latency and bit-exact
assertions, quantiles, per-test console log slicing, and fault attribution."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from harness.dut.errors import DutTimeout
from harness.pytest_plugin.assertions import assert_bit_exact, assert_latency
from harness.pytest_plugin.console_logs import new_console_text, per_test_log_path, snapshot
from harness.pytest_plugin.measurement import Measurement, ProfileOptions, quantile
from harness.pytest_plugin.pool import BoardPool, find_board_fault
from harness.pytest_plugin.selection import (
    BoardSelectionError,
    BoardSpec,
    MarkerFilter,
    parse_board_set,
    set_id,
)
from harness.runtime.board_health import BoardState
from harness.twin.session import TwinError


def test_board_sets_parse_names_twins_and_several_duts() -> None:
    assert parse_board_set("nucleo-f446re") == (BoardSpec("nucleo-f446re", False),)
    assert parse_board_set("nucleo-f446re@twin|nucleo-f746zg") == (
        BoardSpec("nucleo-f446re", True), BoardSpec("nucleo-f746zg", False))
    assert parse_board_set("nucleo-f446re|nucleo-f746zg", twin=True) == (
        BoardSpec("nucleo-f446re", True), BoardSpec("nucleo-f746zg", True))
    assert set_id(parse_board_set(" nucleo-f446re | nucleo-f746zg@twin ")) == "nucleo-f446re|nucleo-f746zg@twin"


@pytest.mark.parametrize(("text", "message"), [
    ("nucleo-nosuch", "unknown board 'nucleo-nosuch'; known boards: "),
    ("nucleo-f446re|", "got an empty name"),
    ("nucleo-f446re|nucleo-f446re", "a board appears twice"),
])
def test_bad_board_sets_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(BoardSelectionError, match=message.replace("(", r"\(")) as info:
        parse_board_set(text)
    assert repr(text) in str(info.value)


@dataclass(frozen=True)
class _Mark:
    """The two fields of a pytest Mark the filter reads (the plugin registers the real markers)."""

    name: str
    args: tuple = ()


def _marks(*marks: tuple) -> list[_Mark]:
    return [_Mark(name, tuple(args)) for name, *args in marks]


def test_marker_filter_reasons() -> None:
    f446 = BoardSpec("nucleo-f446re", True)
    f746 = BoardSpec("nucleo-f746zg", False)
    m7 = MarkerFilter.from_markers(_marks(("core", "cortex-m7")))
    assert m7.skip_reason(f446) == "nucleo-f446re@twin: core cortex-m4, test needs cortex-m7"
    assert m7.skip_reason(f746) is None
    big = MarkerFilter.from_markers(_marks(("min_sram", 256)))
    assert big.skip_reason(f446) == "nucleo-f446re@twin: 128 KiB SRAM, test needs at least 256 KiB"
    assert big.skip_reason(f746) is None
    # Two board marks must both hold: the names intersect.
    both = MarkerFilter.from_markers(_marks(("board", "nucleo-f446re", "nucleo-f746zg"),
                                            ("board", "nucleo-f746zg@twin")))
    assert both.boards == {"nucleo-f746zg"}
    assert both.skip_reason(f446) == "nucleo-f446re@twin: test is for nucleo-f746zg"
    assert MarkerFilter.from_markers(_marks(("twin_only",))).skip_reason(f746) == "nucleo-f746zg: test is twin_only"
    assert MarkerFilter.from_markers(_marks(("hardware_only",))).skip_reason(f446) == (
        "nucleo-f446re@twin: test is hardware_only")
    assert MarkerFilter().skip_reason(f446, hardware_mode=True) == "nucleo-f446re@twin: --hardware runs real boards only"
    with pytest.raises(BoardSelectionError, match="min_sram: expected one positive size in KiB"):
        MarkerFilter.from_markers(_marks(("min_sram", "lots")))
    with pytest.raises(BoardSelectionError, match="expected at least one board name"):
        MarkerFilter.from_markers(_marks(("board",)))


def _measurement(*, twin: bool, cycles: tuple[int, ...], windows: tuple[float, ...], clock_hz: int = 100_000_000) -> Measurement:
    return Measurement(model="m", model_hash="0" * 16, plan_hash="0" * 8, target="b@twin" if twin else "b", board="b",
                       is_twin=twin, source="emulated" if twin else "measured", clock_hz=clock_hz, firmware_hash="f",
                       cycles=cycles, window_cycles=windows, outputs_checked=1)


def test_latency_on_a_twin_compares_the_modelled_count() -> None:
    record = _measurement(twin=True, cycles=(250_000,), windows=(250_000.0,))  # 2.5 ms at 100 MHz
    assert_latency(record, max_ms=2.5)
    with pytest.raises(AssertionError) as info:
        assert_latency(record, max_ms=2.0)
    assert str(info.value) == ("m on b@twin: modelled latency 2.500 ms (250000 cycles at 100 MHz) exceeds the budget "
                               "of 2 ms by 0.500 ms (25.0 %)")
    with pytest.raises(AssertionError, match="below the expected minimum of 3 ms"):
        assert_latency(record, max_ms=5, min_ms=3)


def test_latency_on_hardware_checks_median_and_high_quantile() -> None:
    # Five windows with means around 2.0 ms; one slow inference of 2.6 ms.
    cycles = (195_000, 200_000, 205_000, 198_000, 202_000, 260_000, 199_000, 201_000, 200_000, 200_000)
    windows = (200_000.0, 201_000.0, 199_000.0, 200_500.0, 200_000.0)
    record = _measurement(twin=False, cycles=cycles, windows=windows)
    assert record.latency_ms == pytest.approx(2.0)
    assert record.latency_quantile_ms(0.95) == pytest.approx(2.6)
    assert_latency(record, max_ms=2.1, quantile_max_ms=2.7)
    with pytest.raises(AssertionError) as info:
        assert_latency(record, max_ms=2.1)  # p95 limit defaults to 2.31 ms
    text = str(info.value)
    assert text.startswith("m on b (measured): p95 2.600 ms exceeds its limit of 2.31 ms")
    assert "median 2.000 ms over 5 windows" in text and "max 2.600 ms" in text and "10 samples at 100 MHz" in text
    with pytest.raises(AssertionError, match="median 2.000 ms exceeds the budget of 1.9 ms; p95 2.600 ms"):
        assert_latency(record, max_ms=1.9)
    with pytest.raises(TypeError, match="expected the Measurement"):
        assert_latency(object(), max_ms=1)  # type: ignore[arg-type]


def test_quantile_is_nearest_rank() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert [quantile(values, q) for q in (0, 0.2, 0.5, 0.9, 1.0)] == [1.0, 1.0, 3.0, 5.0, 5.0]
    with pytest.raises(ValueError):
        quantile([], 0.5)


def test_profile_options_defaults_follow_the_target() -> None:
    assert ProfileOptions().resolved(is_twin=True) == (1, 0, 1)
    assert ProfileOptions().resolved(is_twin=False) == (20, 10, 5)
    assert ProfileOptions(repeats=3, windows=2).resolved(is_twin=False) == (3, 10, 2)
    with pytest.raises(ValueError, match="repeats >= 1"):
        ProfileOptions(repeats=0).resolved(is_twin=True)


def test_bit_exact_reports_the_first_difference() -> None:
    a = np.arange(12, dtype=np.int8).reshape(3, 4)
    assert_bit_exact(a, a.copy())
    assert_bit_exact(a.ravel(), a)  # same elements, flat: reshaped to compare
    b = a.copy()
    b[1, 2] = 99
    b[2, 3] = -1
    with pytest.raises(AssertionError) as info:
        assert_bit_exact(b, a, what="out")
    assert str(info.value) == "out: 2 of 12 elements differ; first at index (1, 2) (flat 6): got 99, expected 6"
    with pytest.raises(AssertionError, match=r"shape \(5,\) \(5 elements\), expected \(3, 4\) \(12\)"):
        assert_bit_exact(np.zeros(5), a)
    with pytest.raises(AssertionError, match="no output was checked"):
        assert_bit_exact(_measurement(twin=True, cycles=(1,), windows=(1.0,)).__class__(
            **{**_measurement(twin=True, cycles=(1,), windows=(1.0,)).__dict__, "outputs_checked": 0}))


def test_console_log_slices_only_what_a_test_added(tmp_path: Path) -> None:
    first = tmp_path / "00001-aaaa" / "console.log"
    first.parent.mkdir()
    first.write_text("< boot\n")
    before = snapshot(tmp_path)
    with first.open("a") as f:
        f.write("> name%\n< m-name-dut-[x]\n")
    second = tmp_path / "00002-bbbb" / "console.log"
    second.parent.mkdir()
    second.write_text("< m-init-done\n")
    text = new_console_text(tmp_path, before)
    assert text == "# 00001-aaaa\n> name%\n< m-name-dut-[x]\n# 00002-bbbb\n< m-init-done\n"
    assert new_console_text(tmp_path, snapshot(tmp_path)) == ""
    path = per_test_log_path(tmp_path, "tests/test_a.py::test_b[nucleo-f446re@twin|x]", "nucleo-f446re@twin")
    assert path.parent.parent == tmp_path and "/" not in path.parent.name and path.name == "nucleo-f446re@twin.console.log"


def test_board_faults_are_found_through_the_exception_chain() -> None:
    fault = DutTimeout("no reply")
    try:
        try:
            raise fault
        except DutTimeout as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as outer:
        assert find_board_fault(outer) is fault
    assert find_board_fault(AssertionError("plain failure")) is None
    assert isinstance(find_board_fault(TwinError("crashed")), TwinError)


def test_pool_health_marks_broken_after_consecutive_failures_only() -> None:
    pool = BoardPool(max_consecutive_failures=3)
    spec = BoardSpec("nucleo-f446re", True)
    assert pool.record_failure(spec, "a") is BoardState.SUSPECT
    pool.record_success(spec)
    assert pool.record_failure(spec, "b") is BoardState.SUSPECT
    assert pool.record_failure(spec, "c") is BoardState.SUSPECT
    assert pool.skip_reason(spec) is None  # a twin is always there
    assert pool.record_failure(spec, "d") is BoardState.BROKEN
    assert pool.skip_reason(spec) == ("board nucleo-f446re@twin is marked broken after 3 consecutive failures; "
                                      "last error: d")
