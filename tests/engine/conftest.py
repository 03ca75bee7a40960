"""Session fixtures for engine tests: converted op models (cached) and engine builds."""

from __future__ import annotations

import pytest
from engine_model_factory import convert_int8
from engine_op_grid import CASES, OpCase, build


class OpModels:
    """Converts each grid case once per session (and on disk across sessions)."""

    def __init__(self) -> None:
        self._bytes: dict[str, bytes] = {}

    def tflite(self, case: OpCase) -> bytes:
        if case.name not in self._bytes:
            self._bytes[case.name] = convert_int8(case.name, lambda: build(case), list(case.input_shapes),
                                                  float_io=case.float_io)
        return self._bytes[case.name]


@pytest.fixture(scope="session")
def op_models() -> OpModels:
    return OpModels()


@pytest.fixture(scope="session")
def case_by_name() -> dict[str, OpCase]:
    return {c.name: c for c in CASES}
