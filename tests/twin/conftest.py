"""Twin test fixtures: stub-engine firmware for one M4 and one M7 board, shared per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.boards import get_board
from harness.firmware import FirmwareImage, build_firmware
from harness.twin.session import running_qemu_pids

FIRMWARE_TESTS = Path(__file__).resolve().parents[1] / "firmware"
sys.path.insert(0, str(FIRMWARE_TESTS))

STUB_ENGINE_DIR = FIRMWARE_TESTS / "stub_engine"
TWIN_BOARDS = {"m4": "nucleo-f446re", "m7": "nucleo-f746zg"}


@pytest.fixture(scope="session")
def stub_twins() -> dict[str, FirmwareImage]:
    return {core: build_firmware(get_board(name), "twin", engine_dir=STUB_ENGINE_DIR) for core, name in TWIN_BOARDS.items()}


@pytest.fixture(scope="session")
def engine_twins() -> dict[str, FirmwareImage]:
    """The production firmware (real int8 engine from firmware_templates/engine)."""
    return {core: build_firmware(get_board(name), "twin") for core, name in TWIN_BOARDS.items()}


@pytest.fixture(scope="session", autouse=True)
def no_qemu_left_at_the_end():
    yield
    assert running_qemu_pids() == set(), "QEMU processes still running after the twin tests"


@pytest.fixture(autouse=True)
def no_qemu_left_behind():
    before = running_qemu_pids()
    yield
    assert running_qemu_pids() <= before, "a test left a QEMU process running"
