"""`tinyhil results`, `tinyhil fit` and `tinyhil report` through the real CLI entry point."""

from __future__ import annotations

import json

import pytest

from harness.cli.main import main
from harness.latency import LatencyModel, predict_latency


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from tests_report_helpers import populate

    from harness.store import ResultsStore

    path = tmp_path_factory.mktemp("cli") / "results.db"
    with ResultsStore(path) as store:
        run = populate(store, seed=3, n_per_space=12)
    return path, run


def test_results_list_show_and_export(db, tmp_path, capsys):
    path, run = db
    assert main(["results", "--db", str(path), "list", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in runs] == [run.id] and runs[0]["measurements"] == 2 * (2 * 12 + 3)
    assert main(["results", "show", "latest", "--db", str(path), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["run"]["id"] == run.id and len(shown["failures"]) == 1
    assert main(["results", "show", run.id, "--db", str(path), "--limit", "2"]) == 0
    assert run.id in capsys.readouterr().out
    out_csv = tmp_path / "kws.csv"
    assert main(["results", "export", "--db", str(path), "-o", str(out_csv), "--space", "kws",
                 "--board", "nucleo-f446re@twin"]) == 0
    assert len(out_csv.read_text().splitlines()) == 1 + 12
    out_json = tmp_path / "all.json"
    assert main(["results", "export", "--db", str(path), "-o", str(out_json), "--run", run.id]) == 0
    assert len(json.loads(out_json.read_text())["measurements"]) == 54


def test_results_errors_are_one_line(db, tmp_path, capsys):
    path, _ = db
    assert main(["results", "--db", str(tmp_path / "none.db"), "list"]) == 1
    assert "none.db: no results database here" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists(), "a read command must not create a database"
    assert main(["results", "show", "no-such-run", "--db", str(path)]) == 1
    assert "no run with id 'no-such-run'" in capsys.readouterr().err
    assert main(["results", "export", "--db", str(path), "-o", str(tmp_path / "x.txt")]) == 1
    assert "expected a .csv or .json" in capsys.readouterr().err


def test_fit_saves_models_that_predict(db, tmp_path, capsys):
    path, run = db
    out = tmp_path / "models"
    assert main(["fit", "--db", str(path), "-o", str(out), "--robust", "theil-sen", "-k", "4"]) == 0
    files = sorted(p.name for p in out.glob("*.json"))
    assert files == ["nucleo-f446re@twin__cifar.json", "nucleo-f446re@twin__kws.json",
                     "nucleo-f746zg@twin__cifar.json", "nucleo-f746zg@twin__kws.json"]
    model = LatencyModel.load(out / "nucleo-f446re@twin__kws.json")
    assert model.provenance.run_ids == (run.id,) and model.provenance.n == 12 and model.robust.method == "theil-sen"
    ms, sigma = predict_latency({"ops": 10e6, "space": "kws"}, "nucleo-f446re@twin", models_dir=out)
    assert ms == pytest.approx(14.0 * 10 + 3, rel=0.1) and sigma > 0
    assert main(["fit", "--db", str(path), "--board", "nrf52840dk", "-o", str(out)]) == 1
    assert "no measurements of search-space models for board nrf52840dk" in capsys.readouterr().err


def test_report_command_writes_the_run_directory(db, tmp_path, capsys):
    path, run = db
    out = tmp_path / "rep"
    assert main(["report", "--db", str(path), "-o", str(out), "--robust", "theil-sen"]) == 0
    assert (out / "report.html").is_file() and (out / "plots" / "latency_vs_ops.png").is_file()
    assert str(out / "report.html") in capsys.readouterr().out
    assert run.id in (out / "report.html").read_text()
