"""Firmware test fixtures: the stub engine (tests/firmware/stub_engine) and cached builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.boards import get_board
from harness.firmware import FirmwareImage, build_firmware

STUB_ENGINE_DIR = Path(__file__).resolve().parent / "stub_engine"


@pytest.fixture(scope="session")
def stub_engine_dir() -> Path:
    return STUB_ENGINE_DIR


@pytest.fixture(scope="session")
def stub_twin_m4() -> FirmwareImage:
    return build_firmware(get_board("nucleo-f446re"), "twin", engine_dir=STUB_ENGINE_DIR)
