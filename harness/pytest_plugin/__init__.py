"""tinyhil's pytest plugin (entry point ``tinyhil`` -> ``harness.pytest_plugin.plugin``).

Test suites import the assertions and record types from here::

    from harness.pytest_plugin import assert_latency, assert_bit_exact

Names are imported on first use so that loading the plugin into every pytest run stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "assert_bit_exact": "harness.pytest_plugin.assertions",
    "assert_latency": "harness.pytest_plugin.assertions",
    "Dut": "harness.pytest_plugin.dut",
    "DutExpectTimeout": "harness.pytest_plugin.dut",
    "Measurement": "harness.pytest_plugin.measurement",
    "ProfileOptions": "harness.pytest_plugin.measurement",
    "BoardSpec": "harness.pytest_plugin.selection",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'harness.pytest_plugin' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
