"""The engine's C sources build warning-free for the Cortex-M4 firmware and for the host."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from harness.engine.host_build import INCLUDE_DIR, SRC_DIR, build_host_library

M4_FLAGS = [
    "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-O2", "-std=c11", "-Wall", "-Wextra",
    "-Werror", "-ffunction-sections", "-fdata-sections",
]


@pytest.mark.parametrize("dsp", [0, 1])
def test_cortex_m4_build(tmp_path, dsp):
    cc = shutil.which("arm-none-eabi-gcc")
    if cc is None:
        pytest.skip("arm-none-eabi-gcc not installed")
    sources = sorted(SRC_DIR.glob("*.c"))
    assert sources
    objs = []
    for src in sources:
        obj = tmp_path / (src.stem + ".o")
        proc = subprocess.run([cc, *M4_FLAGS, f"-DTH_USE_DSP={dsp}", f"-I{INCLUDE_DIR}", "-c", str(src), "-o", str(obj)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"{src.name}: {proc.stderr}"
        objs.append(obj)
    # no dynamic allocation anywhere in the engine
    nm = shutil.which("arm-none-eabi-nm")
    if nm:
        undefined = subprocess.run([nm, "-u", *map(str, objs)], capture_output=True, text=True).stdout
        for forbidden in ("malloc", "calloc", "realloc", "free"):
            assert f" {forbidden}\n" not in undefined, f"engine references {forbidden}"


def test_host_library_builds_and_is_cached():
    a = build_host_library(dsp=False)
    b = build_host_library(dsp=False)
    assert a == b and a.exists()
