"""A store holding a small synthetic sweep: two twins, two spaces, three fixed MicroNets models."""

from __future__ import annotations

import pytest
from tests_report_helpers import populate

from harness.store import ResultsStore


@pytest.fixture(scope="session")
def sweep_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "results.db"
    store = ResultsStore(path)
    run = populate(store)
    yield store, run
    store.close()


@pytest.fixture(scope="session")
def built_report(sweep_store, tmp_path_factory):
    from harness.report import build_report

    store, run = sweep_store
    return build_report(store, run, tmp_path_factory.mktemp("out") / run.id)
