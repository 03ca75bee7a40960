"""The pipeline end to end on a tiny configuration on the NUCLEO-F446RE twin (real QEMU, real TF,
real federated simulator): sweep + fit, DNAS, FedDyn, int8, compile, bit-exact check, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.pipeline.run import PipelineConfig, PipelineResult, run_pipeline

TINY = PipelineConfig(board="nucleo-f446re", latency_ms=150.0, sweep_n=4, search_epochs=2, search_batch=32,
                      proxy_speakers=2, proxy_samples_per_speaker=60, devices=4, samples_per_device=40,
                      eval_samples=60, rounds=2, participation=1.0, local_epochs=1, check_inputs=2)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[PipelineResult, Path]:
    root = tmp_path_factory.mktemp("pipeline")
    models = root / "latency_models"
    res = run_pipeline(TINY, root / "out", models_dir=models, progress=False)
    return res, models


@pytest.mark.slow
def test_pipeline_end_to_end_on_the_f446re_twin(tiny_run: tuple[PipelineResult, Path]) -> None:
    res, models = tiny_run
    s = res.summary()
    assert res.latency_fit["fitted_now"] and res.latency_fit["n"] == 4
    assert list(models.glob("*.json")), "the fit is saved for the next run"
    # The derived model fits the firmware, as counted and as compiled.
    assert res.working_memory_bytes <= res.limits.sram_bytes
    assert res.arena_needed_bytes <= res.limits.arena_bytes and res.plan_bytes <= res.plan_slot_bytes
    assert res.predicted_latency_ms <= res.limits.latency_ms
    assert res.measured_latency_ms > 0 and res.cycles > 0
    # Bit-exact against the oracle: 2 random inputs (profiler) + 2 real evaluation inputs.
    assert res.bit_exact_inputs == 4
    assert 0.0 <= res.int8_accuracy <= 1.0 and len(res.federated_history) == TINY.rounds
    # Files: spec and model agree, the search log has one line per epoch with the distribution.
    spec = json.loads(Path(res.files["spec"]).read_text())
    assert spec["hash"] == res.spec["hash"]
    from search_space.counting import count_tflite

    counted = count_tflite(Path(res.files["tflite"]))
    assert counted.peak_sram_bytes == res.working_memory_bytes and counted.mops == pytest.approx(res.mops)
    lines = [json.loads(line) for line in Path(res.files["search_log"]).read_text().splitlines()]
    assert [r["epoch"] for r in lines] == [1, 2]
    # The supernet's width options: the space's 69 widths or an evenly spread subset of them.
    from search_space.dnas.resources import structure_of
    from search_space.dnas.search import SearchConfig
    from search_space.dnas.supernet import coarse_widths

    options = lines[-1]["width_options"]
    full = structure_of("kws").widths
    assert options == list(coarse_widths(full, SearchConfig().width_options)) and set(options) <= set(full)
    assert len(lines[-1]["distribution"]["stem.filters"]) == len(options)
    assert sum(lines[-1]["distribution"]["block3.filters"]) == pytest.approx(1.0, abs=1e-3)
    html = Path(res.files["report"]).read_text()
    assert f"{res.measured_latency_ms:.2f} ms" in html and f"{res.predicted_latency_ms:.2f} ms" in html
    assert "data:image/png;base64," in html and "<script" not in html  # self-contained
    assert s["fits"] == {"latency": res.measured_latency_ms <= 150.0, "sram": True, "flash": True}


@pytest.mark.slow
def test_second_run_reuses_the_fit_and_rejects_an_infeasible_budget(tiny_run, capsys, tmp_path: Path) -> None:
    _, models = tiny_run
    from harness.pipeline.latency_fit import ensure_latency_model

    model, fitted_now = ensure_latency_model("nucleo-f446re", "kws", store_path=tmp_path / "unused.sqlite",
                                             models_dir=models, n=4)
    assert not fitted_now and not (tmp_path / "unused.sqlite").exists()
    # 1 µs is below the smallest model's prediction: refused after the (loaded) fit, before any search.
    code = main(["pipeline", "--board", "nucleo-f446re", "--latency-ms", "0.001", "--models-dir", str(models),
                 "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert "infeasible target: latency: the smallest kws model (0.157 Mops) is predicted at" in err
    assert not (tmp_path / "out" / "search_log.jsonl").exists()
    code = main(["search", "--board", "nucleo-f446re", "--latency-ms", "0.001", "--models-dir", str(models),
                 "--out", str(tmp_path / "s")])
    assert code == 1 and "infeasible target" in capsys.readouterr().err


def test_search_without_a_latency_fit_says_how_to_get_one(capsys, tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    code = main(["search", "--board", "nucleo-f446re", "--latency-ms", "100", "--models-dir", str(tmp_path / "models"),
                 "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 1 and "no latency model for board 'nucleo-f446re@twin'" in err and "--sweep-n" in err
