"""Fixtures for the timing tests: they need the ARM toolchain and qemu-system-arm."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.timing import plugin_library


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        needs_twin = {"plugin", "toolchain", "kernel_dir"} & set(getattr(item, "fixturenames", ()))
        if "tests/timing" in str(item.fspath) and needs_twin:
            item.add_marker(pytest.mark.twin)


@pytest.fixture(scope="session")
def toolchain() -> None:
    missing = [tool for tool in ("arm-none-eabi-gcc", "qemu-system-arm", "gcc") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)}")


@pytest.fixture(scope="session")
def plugin(toolchain: None) -> Path:
    return plugin_library()


@pytest.fixture(scope="session")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory, toolchain: None) -> Path:
    return tmp_path_factory.mktemp("kernels")
