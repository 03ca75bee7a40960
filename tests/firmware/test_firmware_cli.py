"""`tinyhil firmware build` and `tinyhil firmware slot`."""

from __future__ import annotations

import json

from harness.cli.main import main
from harness.firmware import unpack_plan_slot


def test_build_json_reports_sizes(capsys, stub_engine_dir):
    rc = main(["firmware", "build", "--board", "nucleo-f446re", "--variant", "twin", "--engine-dir",
               str(stub_engine_dir), "--json"])
    assert rc == 0
    (image,) = json.loads(capsys.readouterr().out)
    assert image["board"] == "nucleo-f446re" and image["variant"] == "twin"
    assert 0 < image["size"]["flash_used"] <= image["size"]["flash_limit"] == 0x20000


def test_unknown_board_is_one_line_error(capsys):
    assert main(["firmware", "build", "--board", "nope"]) == 1
    err = capsys.readouterr().err
    assert "unknown board 'nope'" in err and "Traceback" not in err


def test_slot_packs_and_checks_size(tmp_path, capsys):
    plan = tmp_path / "model.plan"
    plan.write_bytes(b"\x01\x02\x03")
    out = tmp_path / "slot.bin"
    assert main(["firmware", "slot", str(plan), "-o", str(out), "--model", "kws01", "--board", "nucleo-f446re"]) == 0
    assert unpack_plan_slot(out.read_bytes()).plan == b"\x01\x02\x03"
    big = tmp_path / "big.plan"
    big.write_bytes(bytes(384 * 1024))
    assert main(["firmware", "slot", str(big), "-o", str(tmp_path / "b.bin"), "--board", "nucleo-f446re"]) == 1
    assert "slot has 393216" in capsys.readouterr().err
    assert not (tmp_path / "b.bin").exists()
