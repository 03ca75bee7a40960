"""`tinyhil space` end to end through the CLI entry point."""

from __future__ import annotations

import json

from harness.cli.main import main
from harness.paths import SHARED_MODELS_DIR
from search_space.spec import ArchSpec


def test_list_json(capsys) -> None:
    assert main(["space", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {s["name"] for s in data["spaces"]} == {"kws", "vww50", "vww160", "ad"}
    assert {f["name"] for f in data["fixed"]} >= {"kws-s", "kws-m", "kws-l", "ad-s", "ad-m", "ad-l", "dscnn-s"}


def test_sample_then_count_then_build(tmp_path, capsys) -> None:
    out = tmp_path / "specs.json"
    assert main(["space", "sample", "kws", "-n", "3", "--seed", "4", "-o", str(out)]) == 0
    specs = [ArchSpec.from_dict(d) for d in json.loads(out.read_text())]
    assert len(specs) == 3 and all(s.space == "kws" for s in specs)
    capsys.readouterr()
    assert main(["space", "count", str(out), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == [s.name for s in specs]
    one = tmp_path / "one.json"
    one.write_text(specs[0].to_json())
    model = tmp_path / "one.tflite"
    assert main(["space", "build", str(one), "-o", str(model)]) == 0
    capsys.readouterr()
    assert main(["space", "count", str(model), "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert from_file["macs"] == rows[0]["macs"] and from_file["peak_sram_bytes"] == rows[0]["peak_sram_bytes"]


def test_count_shared_model_and_fixed_name(capsys) -> None:
    assert main(["space", "count", str(SHARED_MODELS_DIR / "ad01_int8.tflite"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["macs"] == 264_192
    assert main(["space", "count", "ad-m", "--json", "--layers"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert round(data["mops"], 1) == 124.7 and len(data["layers"]) == 14


def test_errors_are_one_line_and_name_the_field(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"input_shape": [49, 10, 1], "num_classes": 12, "layers": [{"type": "ds", "filters": 10}]}))
    assert main(["space", "count", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.json: layers[0].filters: expected a positive multiple of 4" in err and "Traceback" not in err
    assert main(["space", "sample", "ad", "--sram", "100"]) == 1
    assert "below the minimum of space 'ad'" in capsys.readouterr().err
    assert main(["space", "sample", "cifar"]) == 1
    assert "unknown search space 'cifar'" in capsys.readouterr().err
    assert main(["space", "count", str(tmp_path / "missing.tflite")]) == 1
    assert "missing.tflite" in capsys.readouterr().err


def test_count_with_engine_plan(capsys) -> None:
    import pytest

    pytest.importorskip("harness.engine.compiler", reason="engine compiler not in this tree")
    assert main(["space", "count", "kws-s", "--json", "--engine"]) == 0
    data = json.loads(capsys.readouterr().out)
    # KWS-S is a plain chain: the engine's arena is the working-memory peak plus one op's kernel
    # scratch (the same numbers as the engine compiler's own plan).
    from harness.engine.compiler import compile_model
    from search_space.fastpath import spec_to_tflite
    from search_space.fixed import fixed_spec

    plan = compile_model(spec_to_tflite(fixed_spec("kws-s"), seed=0))
    assert data["peak_sram_bytes"] == 51_660
    assert data["engine_arena_bytes"] == plan.arena_bytes
    assert 51_660 <= plan.arena_bytes <= 51_660 + max(op.scratch_bytes for op in plan.ops)
    assert data["engine_plan_bytes"] > data["weight_bytes"]
