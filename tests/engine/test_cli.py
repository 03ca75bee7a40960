"""`tinyhil compile` and `tinyhil verify` end to end."""

from __future__ import annotations

import json
import re

import pytest

from harness.cli.main import main
from harness.engine import plan_format as pf
from harness.engine.host_engine import validate_plan
from harness.paths import BOARDS_DIR, SHARED_MODELS_DIR

KWS = SHARED_MODELS_DIR / "kws_ref_model.tflite"
VWW = SHARED_MODELS_DIR / "vww_96_int8.tflite"


@pytest.fixture(autouse=True)
def need_models():
    if not KWS.exists():
        pytest.skip("shared models not present")


def test_compile_writes_plan_and_reports(tmp_path, capsys):
    out = tmp_path / "kws.thplan"
    c_file = tmp_path / "kws_plan.c"
    rc = main(["compile", str(KWS), "--board", "nucleo-f446re", "-o", str(out), "--c-array", str(c_file), "--json"])
    assert rc == 0
    rep = json.loads(capsys.readouterr().out)
    blob = out.read_bytes()
    assert validate_plan(blob)[0] == 0
    assert rep["plan_bytes"] == len(blob) and rep["arena_bytes"] > 0 and rep["fits"]
    assert rep["ram_bytes"] == rep["arena_bytes"] + rep["runtime_state_bytes"]
    assert rep["sram_bytes"] == 131_072
    c_text = c_file.read_text()
    assert f"[{len(blob)}]" in c_text and c_text.count("0x") == len(blob)
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_compile_refuses_a_model_that_does_not_fit(tmp_path, monkeypatch, capsys):
    boards = tmp_path / "boards"
    boards.mkdir()
    text = (BOARDS_DIR / "nucleo-f446re.toml").read_text()
    text = text.replace('name = "nucleo-f446re"', 'name = "tiny-m4"')
    text = re.sub(r"sram_bytes = [0-9_]+", "sram_bytes = 32_768", text)
    (boards / "tiny-m4.toml").write_text(text)
    monkeypatch.setenv("TINYHIL_BOARDS_PATH", str(boards))
    out = tmp_path / "vww.thplan"
    rc = main(["compile", str(VWW), "--board", "tiny-m4", "-o", str(out)])
    assert rc == 1
    err = capsys.readouterr().err
    assert "does not fit tiny-m4" in err and "> 32768 bytes SRAM" in err
    assert not out.exists()


def test_compile_corrupt_model_is_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(KWS.read_bytes()[:300])
    assert main(["compile", str(bad), "--board", "nucleo-f446re", "-o", str(tmp_path / "x.thplan")]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err
    assert not (tmp_path / "x.thplan").exists()


def test_verify_passes_with_intermediates(capsys):
    rc = main(["verify", str(KWS), "--board", "nucleo-f446re", "--inputs", "3", "--intermediates"])
    assert rc == 0
    assert "3/3 inputs bit-exact" in capsys.readouterr().out


def test_verify_names_the_first_differing_op(tmp_path, capsys, monkeypatch):
    """A runner with a deliberately wrong kernel result: verify must point at that op and element."""
    from harness.engine import verify as verify_mod

    class Skewed(verify_mod.HostRunner):
        def _skew(self, arr, t):
            if t == self.plan.op_outputs[3][0]:
                arr = arr.copy()
                arr.reshape(-1)[5] ^= 1
            return arr

        def run(self, x):
            out = super().run(x).copy()
            out.reshape(-1)[0] ^= 1
            return out

        def intermediates(self, x, shapes):
            res = super().intermediates(x, shapes)
            return {t: self._skew(a, t) for t, a in res.items()}

    monkeypatch.setitem(verify_mod._RUNNERS, "skewed", lambda plan, board, data: Skewed(plan, dsp=False, name="skewed"))
    rc = main(["verify", str(KWS), "--board", "nucleo-f446re", "--inputs", "2", "--runner", "skewed"])
    assert rc == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "op 3 (DEPTHWISE_CONV_2D)" in out and "first at [0, 0, 0, 5]" in out


def test_plan_header_constants_match_c():
    from harness.engine.host_build import INCLUDE_DIR

    text = (INCLUDE_DIR / "th_engine_impl.h").read_text()
    assert f"0x{pf.PLAN_MAGIC:08X}u" in text
    assert f"#define TH_PLAN_VERSION {pf.PLAN_VERSION}u" in text
    for name, code in pf.OPCODES.items():
        assert re.search(rf"TH_OP_{name} = {code},", text), name


@pytest.mark.twin
def test_verify_on_the_twin_with_intermediates(capsys):
    import shutil

    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("QEMU or the ARM toolchain not installed")
    rc = main(["verify", str(KWS), "--board", "nucleo-f446re", "--runner", "twin", "--inputs", "2", "--intermediates"])
    assert rc == 0
    assert "2/2 inputs bit-exact" in capsys.readouterr().out
