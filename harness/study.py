"""The op-count latency study, end to end: sample architectures, sweep them on the boards (twins
by default), time the fixed MicroNets models next to them, fit latency = a·ops + b per board,
and write the report.

The default reproduces the MicroNets set-up on emulated twins: the M7 twin of NUCLEO-F746ZG and
the M4 twin of NUCLEO-F446RE, the KWS search space, 200 architectures sampled uniformly among
those that fit both boards (so both boards time the same models and their latency ratio is
measured model by model).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from harness.boards import get_board
from harness.paths import RESULTS_DIR
from harness.report.build import ReportFiles, build_report
from harness.runtime.sweep import SweepConfig, SweepSummary, run_sweep
from harness.store.results_store import ResultsStore

log = logging.getLogger(__name__)

DEFAULT_BOARDS = ("nucleo-f746zg", "nucleo-f446re")
# Fixed models placed against the paper's Table 4, by search space.
FIXED_MODELS = {"kws": ("kws-s", "kws-m", "dscnn-s"), "ad": ("ad-s",)}


@dataclass(frozen=True)
class StudyConfig:
    boards: tuple[str, ...] = DEFAULT_BOARDS
    n: int = 200
    space: str = "kws"
    twin: bool = True
    seed: int = 0
    jobs: int = 1
    fixed_models: tuple[str, ...] | None = None  # None: FIXED_MODELS[space]

    def sweep_config(self) -> SweepConfig:
        return SweepConfig(space=self.space, n=self.n, boards=self.boards, twin=self.twin, seed=self.seed,
                           jobs=self.jobs, repeats=1 if self.twin else 20, warmup=0 if self.twin else 10)


@dataclass
class FixedModelResult:
    model: str
    target: str
    mops: float
    latency_ms: float | None
    note: str = ""


@dataclass
class StudyResult:
    sweep: SweepSummary
    fixed: list[FixedModelResult] = field(default_factory=list)
    report: ReportFiles | None = None


def profile_fixed_models(config: StudyConfig, store: ResultsStore, run_id: str) -> list[FixedModelResult]:
    """Time the fixed MicroNets models on every board of the study, stored in the study's run."""
    from harness.runtime.model_prep import prepare_model
    from harness.runtime.profiler import ModelDoesNotFit, ProfileSettings, profile_model, store_records
    from harness.runtime.targets import TwinTarget
    from search_space.fastpath import spec_to_tflite
    from search_space.fixed import fixed_spec

    names = config.fixed_models if config.fixed_models is not None else FIXED_MODELS.get(config.space, ())
    if not names or not config.twin:
        return []
    run = store.get_run(run_id)
    models = [prepare_model(spec_to_tflite(fixed_spec(n), seed=config.seed), name=n.upper(), source=f"fixed:{n}")
              for n in names]
    out = []
    for board_name in config.boards:
        with TwinTarget(get_board(board_name)) as target:
            for model in models:
                try:
                    result = profile_model(target, model, ProfileSettings(seed=config.seed))
                except ModelDoesNotFit as exc:
                    out.append(FixedModelResult(model.name, target.name, model.counts.mops, None, str(exc)))
                    continue
                board_rec, fw_rec, plan_rec = store_records(target, model)
                store.record_measurement(run, model.record(), board_rec, result.cycles,
                                         instructions=result.instructions, firmware=fw_rec, plan=plan_rec,
                                         outputs_checked=result.outputs_checked > 0, source=result.source)
                out.append(FixedModelResult(model.name, target.name, model.counts.mops, result.latency_ms))
    return out


def run_study(config: StudyConfig, store_path: Path, *, out_dir: Path | None = None,
              progress: bool = True) -> StudyResult:
    summary = run_sweep(config.sweep_config(), store_path, progress=progress, run_kind="study")
    result = StudyResult(summary)
    with ResultsStore(store_path) as store:
        result.fixed = profile_fixed_models(config, store, summary.run_id)
        run = store.get_run(summary.run_id)
        out = Path(out_dir) if out_dir else RESULTS_DIR / summary.run_id
        result.report = build_report(store, run, out)
    return result
