"""The DSP kernels as built for the cores (real SXTB16/SMLAD, the inline-assembly loops) on the
Cortex-M4 and M7 twins, bit-exact with TFLM over the op grid's conv/depthwise/FC/pool cases.

Host tests exercise the same kernels with the intrinsics emulated in C; only the twins run the
native intrinsics and the assembly (GEMM inner loop, 3x3 depthwise), so this is their check.
"""

from __future__ import annotations

import shutil

import pytest
from engine_op_grid import CASES

from harness.boards import get_board

pytestmark = pytest.mark.twin

DSP_CASES = [c for c in CASES if c.expect_op in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D",
                                                 "MAX_POOL_2D")
             or c.name in ("concat_channels", "add_residual")]


@pytest.fixture(scope="module", params=["nucleo-f446re", "nucleo-f767zi"])
def twin(request, tmp_path_factory):
    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("QEMU or the ARM toolchain not installed")
    from harness.firmware.build import build_firmware
    from harness.runtime.targets import TwinTarget

    board = get_board(request.param)
    image = build_firmware(board, "twin")
    with TwinTarget(board, image=image, workdir=tmp_path_factory.mktemp("twin")) as target:
        yield target


def test_dsp_kernels_bit_exact_on_twin(twin, op_models):
    from harness.runtime.model_prep import prepare_model
    from harness.runtime.profiler import ProfileSettings, profile_model

    settings = ProfileSettings(repeats=1, check_inputs=2, seed=11)
    for case in DSP_CASES:
        model = prepare_model(op_models.tflite(case), name=case.name)
        result = profile_model(twin, model, settings)  # raises OutputMismatch naming the element
        assert result.outputs_checked == 2, case.name
