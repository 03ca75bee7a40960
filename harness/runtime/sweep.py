"""Sweeps: sample architectures from a search space and profile each on one or more boards.

- One worker process per board (a twin may have several: ``jobs``), all writing to one SQLite
  store in WAL mode; every model's result is one transaction.
- The sweep is identified by a run key (space, n, seed, boards, settings): re-running the same
  sweep skips what is recorded and duplicates nothing, so a sweep killed at any point (kill -9
  included) is finished by running it again.
- Faults: a timeout, garbage on the line, a crashed QEMU or a vanished console is recorded with
  the console excerpt, the board is reset and the model retried up to ``retries`` times; a board
  that fails ``max_consecutive_failures`` times in a row is marked broken and its worker stops,
  while the other boards go on.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import statistics
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.boards import get_board
from harness.boards.schema import Board

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class SweepConfig:
    space: str
    n: int
    boards: tuple[str, ...]
    twin: bool = True
    seed: int = 0
    jobs: int = 1
    repeats: int = 1
    warmup: int = 0
    check_inputs: int = 1
    retries: int = 2
    max_consecutive_failures: int = 3
    # Sample uniformly over the architectures that fit every board of the sweep (rejection on the
    # paper's working-memory count against the firmware's arena); False: over the whole space.
    fit_boards: bool = True
    # Twins only, for testing the harness itself: route a board's consoles through a proxy that
    # drops, corrupts or delays bytes or cuts the link: {board name: fault_proxy.FaultPlan}.
    console_faults: dict[str, Any] = field(default_factory=dict)
    infer_timeout_s: float = 300.0
    # Real boards only: how to reach each board, by board name.
    ports: dict[str, str] = field(default_factory=dict)
    probe_ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"sweep --n: expected at least 1 architecture, got {self.n}")
        if self.jobs < 1:
            raise ValueError(f"sweep --jobs: expected at least 1, got {self.jobs}")
        if not self.boards:
            raise ValueError("sweep --board: expected at least one board")
        if self.retries < 0:
            raise ValueError(f"sweep retries: expected 0 or more, got {self.retries}")

    def key_args(self) -> dict[str, Any]:
        """What identifies the measurements (not how many workers produce them)."""
        return {
            "space": self.space, "n": self.n, "seed": self.seed, "boards": sorted(self.boards), "twin": self.twin,
            "repeats": self.repeats, "warmup": self.warmup, "check_inputs": self.check_inputs,
            "fit_boards": self.fit_boards,
        }

    def target_name(self, board: str) -> str:
        return f"{board}@twin" if self.twin else board


@dataclass
class BoardSummary:
    target: str
    done: int = 0
    skipped: int = 0
    unfit: int = 0
    failed: int = 0
    broken: bool = False
    broken_reason: str = ""
    cycles: list[float] = field(default_factory=list)
    ops: list[int] = field(default_factory=list)
    instructions: list[int] = field(default_factory=list)
    clock_hz: int = 0
    phase_seconds: dict[str, float] = field(default_factory=dict)  # summed over measured models

    @property
    def median_latency_ms(self) -> float | None:
        return statistics.median(self.cycles) / self.clock_hz * 1e3 if self.cycles and self.clock_hz else None

    @property
    def mops_per_s(self) -> float | None:
        if not self.cycles or not self.clock_hz:
            return None
        seconds = sum(self.cycles) / self.clock_hz
        return sum(self.ops) / seconds / 1e6


@dataclass
class SweepSummary:
    run_id: str
    run_key: str
    store: Path
    seconds: float
    boards: dict[str, BoardSummary]
    worker_errors: list[str] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return not self.worker_errors and all(b.failed == 0 and not b.broken for b in self.boards.values())

    @property
    def measured(self) -> int:
        return sum(b.done for b in self.boards.values())


def _transient_faults() -> tuple[type[BaseException], ...]:
    from harness.dut.errors import DutError
    from harness.firmware.plan_slot import PlanSlotError
    from harness.runtime.targets import TargetError
    from harness.twin.session import TwinError

    return (DutError, TwinError, TargetError, PlanSlotError, TimeoutError, ConnectionError, OSError)


class _FaultyConsoles:
    """A fresh fault proxy in front of each twin console (each model starts a new QEMU)."""

    def __init__(self, plan: Any, seed: int):
        self.plan, self.seed, self.count, self.proxy = plan, seed, 0, None

    def __call__(self, port: int) -> str:
        from dataclasses import replace

        from harness.transports.fault_proxy import FaultProxy

        self.close()
        self.count += 1
        self.proxy = FaultProxy(port, replace(self.plan, seed=self.seed * 100_003 + self.count)).__enter__()
        return self.proxy.url

    def close(self) -> None:
        if self.proxy is not None:
            self.proxy.close()
            self.proxy = None


def _die_with_parent() -> None:
    """A worker must not outlive its sweep (kill -9 of the sweep included): ask Linux to kill it."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: the worker notices the parent's death at its next queue read
        pass


def _make_target(config: SweepConfig, board: Board, workdir: Path, worker_index: int = 0):
    from harness.runtime.targets import HardwareTarget, TwinTarget

    if config.twin:
        plan = config.console_faults.get(board.name)
        consoles = _FaultyConsoles(plan, config.seed + worker_index) if plan is not None else None
        # A twin boots in ~0.1 s and answers in ~1 ms: short timeouts find a broken link fast.
        return TwinTarget(board, workdir=workdir, console_url=consoles, boot_timeout=5.0, command_timeout=5.0)
    if board.name not in config.ports or board.name not in config.probe_ids:
        raise ValueError(f"{board.name}: a real-board sweep needs its console port and probe id (see `tinyhil doctor`)")
    return HardwareTarget(board, port=config.ports[board.name], probe_id=config.probe_ids[board.name], workdir=workdir)


def prepare_sampled(space_name: str, spec: Any, index: int, weights_seed: int):
    """The fast-path int8 .tflite of a sampled spec, compiled and counted."""
    from harness.runtime.model_prep import prepare_model
    from search_space.fastpath import spec_to_tflite

    tflite = spec_to_tflite(spec, seed=weights_seed + index)
    return prepare_model(tflite, name=f"{space_name}-{index:04d}-{spec.content_hash[:8]}", source="sampled",
                         space=space_name, arch_spec=spec.to_dict())


def _worker(config: SweepConfig, specs: list[Any], board_name: str, worker_index: int, run_id: str,
            store_path: str, work: Any, results: Any, workdir: str) -> None:
    """One board's worker: pulls architecture indices, profiles, records, reports to the parent."""
    from harness.engine.compiler import CompileError
    from harness.runtime.board_health import BoardHealth
    from harness.runtime.profiler import (
        ModelDoesNotFit,
        OutputMismatch,
        ProfileSettings,
        profile_model,
        store_records,
    )
    from harness.store.records import BoardRecord
    from harness.store.results_store import ResultsStore

    _die_with_parent()
    transient = _transient_faults()
    board = get_board(board_name)
    target_name = config.target_name(board_name)
    board_rec = BoardRecord.from_board(board, twin=config.twin)
    store = ResultsStore(store_path)
    run = store.get_run(run_id)
    settings = ProfileSettings(repeats=config.repeats, warmup=config.warmup, check_inputs=config.check_inputs,
                               seed=config.seed, infer_timeout_s=config.infer_timeout_s)
    health = BoardHealth(target_name, max_consecutive_failures=config.max_consecutive_failures)
    target = None
    try:
        target = _make_target(config, board, Path(workdir) / f"{board_name}-{worker_index}", worker_index)
        while True:
            try:
                index = work.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() == 1:  # orphaned: the sweep is gone
                    break
                continue
            if index is None:
                break
            if not health.usable:
                results.put(("unreached", target_name, index, health.skip_reason()))
                continue
            spec = specs[index]
            t_start = time.perf_counter()
            try:
                model = prepare_sampled(config.space, spec, index, config.seed)
            except (CompileError, ValueError) as exc:
                store.record_failure(run, spec.content_hash[:16], board_rec, attempt=1,
                                     kind="compile", message=str(exc))
                results.put(("failed", target_name, index, f"compile: {exc}"))
                continue
            if store.is_done(run.run_key, model.hash, target_name):
                results.put(("skipped", target_name, index, None))
                continue
            _, firmware_rec, plan_rec = store_records(target, model)
            t_prepared = time.perf_counter()
            outcome = None
            last_error = ""
            for attempt in range(1, config.retries + 2):
                try:
                    result = profile_model(target, model, settings)
                except ModelDoesNotFit as exc:
                    store.record_failure(run, model.record(), board_rec, attempt=attempt, kind="does-not-fit",
                                         message=str(exc))
                    outcome = ("unfit", target_name, index, str(exc))
                    break
                except OutputMismatch as exc:
                    # Wrong outputs are the model's or the engine's problem, or a garbled link: retried
                    # after a reset, but never held against the board's health.
                    store.record_failure(run, model.record(), board_rec, attempt=attempt, kind="mismatch",
                                         message=str(exc), console_log=target.console_excerpt())
                    last_error = f"mismatch: {exc}"
                    target.recover()
                    continue
                except transient as exc:
                    kind = type(exc).__name__
                    store.record_failure(run, model.record(), board_rec, attempt=attempt, kind=kind,
                                         message=str(exc), console_log=target.console_excerpt())
                    last_error = f"{kind}: {getattr(exc, 'short', str(exc))}"
                    state = health.record_failure(last_error)
                    log.warning("%s: %s on attempt %d: %s (board %s)", target_name, model.name, attempt, kind, state.value)
                    try:
                        target.recover()
                    except transient as rexc:
                        health.mark_broken(f"recovery failed: {rexc}")
                    if not health.usable:
                        outcome = ("broken", target_name, index, health.skip_reason())
                        break
                    continue
                t_store = time.perf_counter()
                store.record_measurement(
                    run, model.record(), board_rec, result.cycles, instructions=result.instructions,
                    firmware=firmware_rec, plan=plan_rec, outputs_checked=result.outputs_checked > 0,
                    source=result.source,
                )
                health.record_success()
                phases = {"prepare": t_prepared - t_start, **result.phase_seconds,
                          "store": time.perf_counter() - t_store}
                outcome = ("done", target_name, index, {"cycles": result.cycles_median, "ops": model.counts.paper_ops,
                                                        "instructions": result.instructions or 0,
                                                        "clock_hz": board.clock_hz, "phases": phases})
                break
            if outcome is None:
                outcome = ("failed", target_name, index, f"gave up after {config.retries + 1} attempts: {last_error}")
            results.put(outcome)
    except Exception as exc:  # the worker itself failed (e.g. firmware build): tell the parent
        results.put(("worker-error", target_name, -1, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    finally:
        if target is not None:
            target.close()
        store.close()
        results.put(("exit", target_name, worker_index, None))


def run_sweep(config: SweepConfig, store_path: Path, *, workdir: Path | None = None, progress: bool = True,
              run_kind: str = "sweep") -> SweepSummary:
    """Run (or finish) a sweep; see the module docstring."""
    import tempfile

    from harness.firmware.build import build_firmware, compiler_version
    from harness.runtime.environment import qemu_version
    from harness.store.results_store import ResultsStore

    boards = [get_board(b) for b in config.boards]
    # Build the firmware once in the parent so the workers find it in the cache.
    images = [build_firmware(board, "twin" if config.twin else "real") for board in boards]
    specs = sample_architectures(config, images)
    workdir = Path(workdir or tempfile.mkdtemp(prefix="tinyhil-sweep-"))
    # The firmware (engine and board support) is part of what is measured: a new build is a new sweep.
    key_args = {**config.key_args(), "firmware": {img.board: img.hash for img in images}}
    with ResultsStore(store_path) as store:
        run = store.begin_run(run_kind, key_args, compiler_version=compiler_version(),
                              qemu_version=qemu_version() if config.twin else "")
    summary = SweepSummary(run.id, run.run_key, Path(store_path), 0.0,
                           {config.target_name(b.name): BoardSummary(config.target_name(b.name), clock_hz=b.clock_hz)
                            for b in boards})
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    workers = []
    queues = []  # kept alive until the workers are done: a spawned child rebuilds each from its name
    for board in boards:
        work = ctx.Queue()
        queues.append(work)
        n_workers = config.jobs if config.twin else 1
        for i in range(config.n):
            work.put(i)
        for _ in range(n_workers):
            work.put(None)
        for w in range(n_workers):
            p = ctx.Process(target=_worker, name=f"sweep-{board.name}-{w}",
                            args=(config, specs, board.name, w, run.id, str(store_path), work, results, str(workdir)))
            p.start()
            workers.append(p)
    start = time.monotonic()
    total = config.n * len(boards)
    status = "interrupted"
    try:
        with _progress(progress, total, f"sweep {config.space} on {', '.join(summary.boards)}") as bar:
            exited = 0
            while exited < len(workers):
                try:
                    kind, target_name, index, info = results.get(timeout=1.0)
                except queue.Empty:
                    if not any(p.is_alive() for p in workers):
                        dead = [p.name for p in workers if p.exitcode not in (0, None)]
                        summary.worker_errors.append(f"workers exited without reporting: {dead}")
                        break
                    continue
                b = summary.boards[target_name]
                if kind == "exit":
                    exited += 1
                    continue
                if kind == "worker-error":
                    summary.worker_errors.append(f"{target_name}: {info}")
                    continue
                if kind == "done":
                    b.done += 1
                    b.cycles.append(info["cycles"])
                    b.ops.append(info["ops"])
                    b.instructions.append(info["instructions"])
                    for phase, sec in info["phases"].items():
                        b.phase_seconds[phase] = b.phase_seconds.get(phase, 0.0) + sec
                elif kind == "skipped":
                    b.skipped += 1
                elif kind == "unfit":
                    b.unfit += 1
                elif kind == "failed":
                    b.failed += 1
                    log.warning("%s: architecture %d failed: %s", target_name, index, info)
                elif kind == "broken":
                    b.failed += 1
                    b.broken, b.broken_reason = True, info
                elif kind == "unreached":
                    b.failed += 1
                    b.broken, b.broken_reason = True, info
                bar.advance()
        status = "completed" if summary.completed else "failed"
    finally:
        for p in workers:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
        summary.seconds = time.monotonic() - start
        with ResultsStore(store_path) as store:
            store.finish_run(run, status)
    return summary


# Room the engine may need beyond the paper's working memory (kernel scratch, alignment).
SCRATCH_MARGIN_BYTES = 4096


def sample_architectures(config: SweepConfig, images: list[Any]) -> list[Any]:
    """The sweep's architectures: ``n`` uniform draws from the space, restricted (by rejection, so
    still uniform over what remains) to those that fit every board's firmware when ``fit_boards``."""
    from search_space.sampling import sample_specs, sample_within_budget
    from search_space.spaces import get_space

    space = get_space(config.space)
    if not config.fit_boards:
        return sample_specs(space, config.n, config.seed)
    input_bytes = 1
    for d in space.minimum_spec().input_shape:
        input_bytes *= int(d)
    sram = min(img.size.arena for img in images) - input_bytes - SCRATCH_MARGIN_BYTES
    flash = min(img.plan_slot_bytes for img in images)
    return sample_within_budget(space, config.n, seed=config.seed, sram_bytes=sram, flash_bytes=flash)


class _progress:
    """A rich progress bar with done/total, rate and ETA (silent when disabled)."""

    def __init__(self, enabled: bool, total: int, title: str):
        self.enabled, self.total, self.title = enabled, total, title

    def __enter__(self) -> _progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._p = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn())
            self._p.start()
            self._task = self._p.add_task(self.title, total=self.total, rate="")
            self._t0 = time.monotonic()
        return self

    def advance(self) -> None:
        if self.enabled:
            self._p.advance(self._task)
            done = self._p.tasks[0].completed
            rate = done / max(time.monotonic() - self._t0, 1e-9)
            self._p.update(self._task, rate=f"{rate:.2f} models/s")

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._p.stop()


def summary_rows(summary: SweepSummary) -> list[dict[str, Any]]:
    rows = []
    for b in summary.boards.values():
        row = asdict(b)
        for key in ("cycles", "ops", "instructions"):
            row.pop(key)
        row["median_latency_ms"] = b.median_latency_ms
        row["mops_per_s"] = b.mops_per_s
        rows.append(row)
    return rows
