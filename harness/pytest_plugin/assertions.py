"""Assertions for HIL tests whose failure messages carry the numbers.

``assert_latency`` knows where a number came from: a twin's latency is modelled and deterministic
(cycles at the board's clock), so it is compared as it is; a real board's is a distribution, so
its median must meet the budget and a high quantile must stay within a jitter allowance of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from harness.pytest_plugin.measurement import Measurement

DEFAULT_QUANTILE = 0.95
DEFAULT_JITTER_ALLOWANCE = 0.10  # the high quantile may exceed max_ms by this fraction


def assert_latency(record: Measurement, *, max_ms: float, quantile: float = DEFAULT_QUANTILE,
                   quantile_max_ms: float | None = None, min_ms: float | None = None) -> None:
    """Fail unless ``record`` meets the latency budget.

    - twin (modelled): ``latency_ms <= max_ms`` (and ``>= min_ms`` if given), on the exact cycle count.
    - real board (measured): the median over windows ``<= max_ms`` and the ``quantile`` of the
      per-inference samples ``<= quantile_max_ms`` (default ``max_ms`` plus 10 %).
    """
    from harness.pytest_plugin.measurement import Measurement

    if not isinstance(record, Measurement):
        raise TypeError(f"assert_latency: expected the Measurement that profile_model returns, got {type(record).__name__}")
    if max_ms <= 0:
        raise ValueError(f"assert_latency: max_ms must be positive, got {max_ms}")
    __tracebackhide__ = True
    if record.is_twin:
        got = record.latency_ms
        if got > max_ms:
            raise AssertionError(
                f"{record.model} on {record.target}: modelled latency {got:.3f} ms "
                f"({record.cycles_median:.0f} cycles at {record.clock_hz / 1e6:g} MHz) exceeds the budget "
                f"of {max_ms:g} ms by {got - max_ms:.3f} ms ({(got / max_ms - 1) * 100:.1f} %)"
            )
        if min_ms is not None and got < min_ms:
            raise AssertionError(
                f"{record.model} on {record.target}: modelled latency {got:.3f} ms "
                f"({record.cycles_median:.0f} cycles) is below the expected minimum of {min_ms:g} ms"
            )
        return
    limit_q = quantile_max_ms if quantile_max_ms is not None else max_ms * (1 + DEFAULT_JITTER_ALLOWANCE)
    median = record.latency_ms
    high = record.latency_quantile_ms(quantile)
    summary = (f"median {median:.3f} ms over {len(record.window_cycles)} windows, "
               f"p{quantile * 100:g} {high:.3f} ms, min {record.min_ms:.3f} ms, max {record.max_ms:.3f} ms, "
               f"{len(record.cycles)} samples at {record.clock_hz / 1e6:g} MHz")
    problems = []
    if median > max_ms:
        problems.append(f"median {median:.3f} ms exceeds the budget of {max_ms:g} ms")
    if high > limit_q:
        problems.append(f"p{quantile * 100:g} {high:.3f} ms exceeds its limit of {limit_q:g} ms")
    if min_ms is not None and median < min_ms:
        problems.append(f"median {median:.3f} ms is below the expected minimum of {min_ms:g} ms")
    if problems:
        raise AssertionError(f"{record.model} on {record.target} (measured): {'; '.join(problems)} [{summary}]")


def assert_bit_exact(actual: object, expected: object | None = None, *, what: str = "output") -> None:
    """Fail unless ``actual`` equals ``expected`` element for element (same shape, same values).

    With one argument, ``actual`` must be a Measurement whose outputs were checked against the
    TFLM oracle (``profile_model`` raises OutputMismatch when they differ, so this asserts that
    the check happened at all).
    """
    __tracebackhide__ = True
    if expected is None:
        checked = getattr(actual, "outputs_checked", None)
        if checked is None:
            raise TypeError("assert_bit_exact: give (actual, expected) arrays, or a Measurement from profile_model")
        if checked < 1:
            raise AssertionError(f"{getattr(actual, 'model', what)} on {getattr(actual, 'target', '?')}: "
                                 "no output was checked against the oracle (check_inputs=0)")
        return
    got = np.asarray(actual)
    want = np.asarray(expected)
    if got.shape != want.shape:
        if got.size == want.size:
            got = got.reshape(want.shape)
        else:
            raise AssertionError(f"{what}: shape {got.shape} ({got.size} elements), expected {want.shape} ({want.size})")
    if got.dtype != want.dtype and (got.dtype.kind == "f" or want.dtype.kind == "f"):
        # Different float widths: compare the values at double precision.
        got, want = got.astype(np.float64), want.astype(np.float64)
    differ = np.flatnonzero(got.ravel() != want.ravel())
    if differ.size:
        k = int(differ[0])
        index = np.unravel_index(k, want.shape) if want.ndim else ()
        raise AssertionError(
            f"{what}: {differ.size} of {want.size} elements differ; first at index {tuple(int(i) for i in index)} "
            f"(flat {k}): got {got.ravel()[k].item()}, expected {want.ravel()[k].item()}"
        )
