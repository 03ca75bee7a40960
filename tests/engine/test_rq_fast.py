"""The DSP kernels' one-multiply requantisation (th_rq_fast, depthwise and GEMM output stages) equals TFLite's
MultiplyByQuantizedMultiplier + output offset on boundary, tie and random operands."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.engine.host_build import INCLUDE_DIR

CHECK_SRC = Path(__file__).parent / "c" / "rq_fast_check.c"


def test_rq_fast_matches_reference_requantisation(tmp_path):
    cc = shutil.which("gcc")
    if cc is None:
        pytest.skip("host gcc not installed")
    exe = tmp_path / "rq_fast_check"
    build = subprocess.run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-fsanitize=undefined",
                            "-fno-sanitize-recover=all", f"-I{INCLUDE_DIR}", str(CHECK_SRC), "-o", str(exe)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 mismatches" in run.stdout
