"""What a report shows, computed from the store: fits, board comparison, paper comparison."""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from harness.latency import FitDataError, LatencyModel, fit_latency_model
from harness.latency.samples import LatencySample
from harness.report.paper_reference import TABLE4, PaperModel, board_letter, paper_model_for
from harness.store import FailureRecord, MeasuredModel, ResultsStore, RunRecord

log = logging.getLogger(__name__)

MIN_FIT_SAMPLES = 3


@dataclass(frozen=True)
class BoardSummary:
    board: str
    core: str
    clock_hz: int
    is_twin: bool
    n: int
    median_mops_per_s: float  # whole-model throughput: ops / latency, median over models


@dataclass(frozen=True)
class CoreRatio:
    """Latency on a Cortex-M4 board over latency on a Cortex-M7 board, on the same models."""

    m4_board: str
    m7_board: str
    model_hashes: tuple[str, ...]
    mops: tuple[float, ...]
    ratios: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)


@dataclass(frozen=True)
class PaperComparison:
    paper: PaperModel
    model_name: str
    model_hash: str
    mops: float  # as counted by tinyhil
    measured_ms: dict[str, float]  # by board name
    paper_ms: dict[str, float | None]  # by board name

    def ratio(self, board: str) -> float | None:
        paper = self.paper_ms.get(board)
        measured = self.measured_ms.get(board)
        return measured / paper if paper and measured else None


@dataclass
class ReportData:
    run: RunRecord
    runs_in_config: list[RunRecord]
    measurements: list[MeasuredModel]
    failures: list[FailureRecord]
    fits: dict[tuple[str, str], LatencyModel] = field(default_factory=dict)
    skipped_fits: dict[tuple[str, str], str] = field(default_factory=dict)
    boards: list[BoardSummary] = field(default_factory=list)
    core_ratios: list[CoreRatio] = field(default_factory=list)
    paper: list[PaperComparison] = field(default_factory=list)
    paper_from_other_runs: bool = False

    @property
    def board_names(self) -> list[str]:
        return [b.board for b in self.boards]

    @property
    def spaces(self) -> list[str]:
        return sorted({space for _, space in self.fits})


def _samples(items: Sequence[MeasuredModel]) -> list[LatencySample]:
    return [
        LatencySample(i.model.hash, float(i.model.ops), i.latency_ms, i.model.ops_by_layer_type, i.model.layers,
                      i.measurement.run_id, i.model.name)
        for i in items
    ]


def _fit_all(items: Sequence[MeasuredModel], robust: str | None, k: int, seed: int
             ) -> tuple[dict[tuple[str, str], LatencyModel], dict[tuple[str, str], str]]:
    groups: dict[tuple[str, str], list[MeasuredModel]] = defaultdict(list)
    for item in items:
        if item.model.space:  # fixed models (no space) are placed against the paper, not fitted
            groups[(item.board.name, item.model.space)].append(item)
    fits, skipped = {}, {}
    for (board, space), group in sorted(groups.items()):
        sources = "/".join(sorted({i.measurement.source for i in group}))
        try:
            fits[(board, space)] = fit_latency_model(_samples(group), board=board, space=space, source=sources,
                                                     robust=robust, k=k, seed=seed)
        except FitDataError as exc:
            skipped[(board, space)] = str(exc)
            log.info("not fitted: %s", exc)
    return fits, skipped


def _board_summaries(items: Sequence[MeasuredModel]) -> list[BoardSummary]:
    by_board: dict[str, list[MeasuredModel]] = defaultdict(list)
    for item in items:
        by_board[item.board.name].append(item)
    out = []
    for name, group in sorted(by_board.items()):
        b = group[0].board
        throughput = [i.model.ops / 1e6 / (i.latency_ms / 1e3) for i in group if i.latency_ms > 0]
        out.append(BoardSummary(name, b.core, b.clock_hz, b.is_twin, len(group),
                                statistics.median(throughput) if throughput else float("nan")))
    return out


def _core_ratios(items: Sequence[MeasuredModel]) -> list[CoreRatio]:
    latency: dict[str, dict[str, float]] = defaultdict(dict)
    mops: dict[str, float] = {}
    boards = {}
    for item in items:
        latency[item.board.name][item.model.hash] = item.latency_ms
        mops[item.model.hash] = item.model.ops / 1e6
        boards[item.board.name] = item.board
    out = []
    for m4 in sorted(n for n, b in boards.items() if b.core == "cortex-m4"):
        for m7 in sorted(n for n, b in boards.items() if b.core == "cortex-m7"):
            if boards[m4].is_twin != boards[m7].is_twin:
                continue
            common = sorted(set(latency[m4]) & set(latency[m7]), key=lambda h: mops[h])
            if not common:
                continue
            out.append(CoreRatio(m4, m7, tuple(common), tuple(mops[h] for h in common),
                                 tuple(latency[m4][h] / latency[m7][h] for h in common)))
    return out


def _paper_comparisons(items: Sequence[MeasuredModel]) -> list[PaperComparison]:
    found: dict[str, dict] = {}
    for item in items:
        paper = paper_model_for(item.model.name) or paper_model_for(item.model.source)
        if paper is None or board_letter(item.board.name) is None:
            continue
        entry = found.setdefault(paper.name, {"item": item, "measured": {}})
        entry["measured"][item.board.name] = item.latency_ms  # later measurements win
    out = []
    for paper in TABLE4:  # the paper's row order
        if paper.name not in found:
            continue
        entry = found[paper.name]
        measured = entry["measured"]
        paper_ms = {}
        for board in measured:
            seconds = paper.latency_s.get(board_letter(board) or "")
            paper_ms[board] = None if seconds is None else seconds * 1000.0
        item = entry["item"]
        out.append(PaperComparison(paper, item.model.name or item.model.source, item.model.hash,
                                   item.model.ops / 1e6, measured, paper_ms))
    return out


def analyse_run(store: ResultsStore, run: RunRecord, *, robust: str | None = "huber", k: int = 5,
                seed: int = 0) -> ReportData:
    """Everything measured under ``run``'s configuration (its run_key), across resumed runs."""
    items = store.measurements(run_key=run.run_key)
    runs = store.runs(run_key=run.run_key)
    failures = [f for r in runs for f in store.failures(run_id=r.id)]
    data = ReportData(run=run, runs_in_config=runs, measurements=items, failures=failures)
    data.fits, data.skipped_fits = _fit_all(items, robust, k, seed)
    data.boards = _board_summaries(items)
    data.core_ratios = _core_ratios(items)
    data.paper = _paper_comparisons(items)
    if not data.paper:  # fixed models may have been profiled in runs of their own
        data.paper = _paper_comparisons(store.measurements())
        data.paper_from_other_runs = bool(data.paper)
    return data
