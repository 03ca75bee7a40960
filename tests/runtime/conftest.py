"""Runtime tests run real twins (QEMU + the DUT firmware) and real models."""

from __future__ import annotations

import pytest

from harness.boards import get_board
from harness.firmware.build import build_firmware
from harness.paths import SHARED_MODELS_DIR
from harness.runtime.model_prep import prepare_model
from harness.runtime.targets import TwinTarget


@pytest.fixture(scope="session")
def f446_image():
    return build_firmware(get_board("nucleo-f446re"), "twin")


@pytest.fixture
def f446_twin(f446_image, tmp_path):
    with TwinTarget(get_board("nucleo-f446re"), image=f446_image, workdir=tmp_path / "twin") as target:
        yield target


@pytest.fixture(scope="session")
def ad01():
    return prepare_model(SHARED_MODELS_DIR / "ad01_int8.tflite")


@pytest.fixture(scope="session")
def kws01():
    return prepare_model(SHARED_MODELS_DIR / "kws_ref_model.tflite")
