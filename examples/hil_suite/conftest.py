"""Example HIL suite: the shared MLPerf Tiny models on every selected board, with latency budgets.

    pytest examples/hil_suite --twin --board nucleo-f446re --board nucleo-f746zg    # twins (tox -e examples)
    pytest examples/hil_suite --board nucleo-f746zg --junitxml=hil.xml               # an attached board
    pytest examples/hil_suite --twin --board nucleo-f746zg --hil-models all          # vww too (slow on twins)

The tinyhil plugin provides the fixtures (board, dut, duts, profile_model) and the markers; this
file only picks the models and their budgets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.paths import SHARED_MODELS_DIR

# Latency budgets in ms per model and core: a little above what the twins model, so that a
# regression in the engine or the firmware fails the suite.
BUDGET_MS = {
    "ad01_int8": {"cortex-m4": 8.0, "cortex-m7": 5.0},
    "kws_ref_model": {"cortex-m4": 100.0, "cortex-m7": 60.0},
    "vww_96_int8": {"cortex-m4": 300.0, "cortex-m7": 160.0},
}
# vww_96_int8 takes seconds per inference on a twin: opt in with --hil-models all.
DEFAULT_MODELS = ("ad01_int8", "kws_ref_model")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--hil-models", default=",".join(DEFAULT_MODELS),
                     help=f"comma-separated models from {SHARED_MODELS_DIR} to profile, or 'all' "
                          f"(default: {','.join(DEFAULT_MODELS)})")


def _selected_models(config: pytest.Config) -> list[str]:
    value = config.getoption("hil_models").strip()
    names = list(BUDGET_MS) if value == "all" else [n.strip().removesuffix(".tflite") for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in BUDGET_MS]
    if unknown:
        raise pytest.UsageError(f"--hil-models: unknown model(s) {unknown}; expected some of {sorted(BUDGET_MS)} or 'all'")
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "model_name" in metafunc.fixturenames:
        metafunc.parametrize("model_name", _selected_models(metafunc.config))


@pytest.fixture
def model_path(model_name: str) -> Path:
    path = SHARED_MODELS_DIR / f"{model_name}.tflite"
    if not path.is_file():
        pytest.skip(f"{path} is missing (set TINYHIL_SHARED to the directory holding models/)")
    return path


@pytest.fixture
def budget_ms(model_name: str, board) -> float:
    return BUDGET_MS[model_name][board.board.core.name]
