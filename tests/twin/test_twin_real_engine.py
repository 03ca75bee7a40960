"""The firmware with the real int8 engine on both twins: MLPerf Tiny models compiled to plans,
placed in the plan slot, run over the protocol and compared bit for bit with TFLM."""

from __future__ import annotations

import numpy as np
import pytest

from harness.engine.compiler import compile_model
from harness.engine.oracle import TflmOracle
from harness.paths import SHARED_MODELS_DIR
from harness.twin.session import TwinSession

MODELS = {"kws01": "kws_ref_model.tflite", "vww01": "vww_96_int8.tflite"}


def _model_path(tag: str):
    path = SHARED_MODELS_DIR / MODELS[tag]
    if not path.is_file():
        pytest.skip(f"shared model {path} not present")
    return path


@pytest.fixture(scope="module")
def kws():
    path = _model_path("kws01")
    return compile_model(path), TflmOracle.from_file(path)


@pytest.mark.parametrize("core", ["m4", "m7"])
def test_kws_matches_tflm_on_twin(core, engine_twins, kws):
    plan, oracle = kws
    rng = np.random.default_rng(11)
    with TwinSession(engine_twins[core], plan=plan.blob, model="kws01", timing=True) as twin:
        c = twin.client
        info = c.plan()
        assert info.ok and info.plan_hash == int(plan.plan_hash, 16) and info.n_ops == len(plan.ops)
        assert (info.input_bytes, info.output_bytes) == (490, 12)
        assert c.arena().used == (plan.arena_bytes + 15) // 16 * 16
        for _ in range(2):
            x = rng.integers(-128, 128, size=plan.input.shape, dtype=np.int8)
            c.load_input(x.tobytes())
            result = c.infer(2, 1)
            assert list(result.results) == oracle.run(x).ravel().tolist()
            # An intermediate tensor, read after its op and before a later op reuses its memory.
            for op in (0, len(plan.ops) // 2):
                t = plan.op_outputs[op][0]
                dump = c.tensor(t, op)
                assert dump.data == oracle.tensor(t).astype(np.int8).tobytes(), f"op {op} tensor {t}"
        regions = twin.read_new_regions()
        assert len(regions) == 4
        assert regions[0].instructions == regions[1].instructions > 1_000_000


@pytest.mark.slow
def test_vww_fits_the_f446_twin_and_matches_tflm(engine_twins):
    path = _model_path("vww01")
    plan, oracle = compile_model(path), TflmOracle.from_file(path)
    x = np.random.default_rng(5).integers(-128, 128, size=plan.input.shape, dtype=np.int8)
    with TwinSession(engine_twins["m4"], plan=plan.blob, model="vww01") as twin:
        arena = twin.client.arena()
        assert arena.used + x.size <= arena.size  # model arena + input buffer in 128 KB SRAM
        twin.client.load_input(x.tobytes())
        result = twin.client.infer(1, 0)
        assert list(result.results) == oracle.run(x).ravel().tolist()
