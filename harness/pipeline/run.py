"""The end-to-end pipeline: budget → latency fit → DNAS → federated training → int8 → twin check → report.

1. Budget from the board's firmware (arena minus input buffer, plan slot) and the latency target;
   SRAM and flash feasibility are checked against the space's minimum spec before anything runs.
2. Latency line: the saved fit for the board's twin, or a sweep of ``sweep_n`` sampled
   architectures and a fit (then the latency feasibility check).
3. DNAS on a server-side proxy set (speakers that are not devices); the derived architecture
   inherits the supernet's weights.
4. Federated training (FedDyn by default, ``federated/``'s in-process simulator) of the derived
   architecture on the devices' data, starting from the inherited weights.
5. Int8 conversion, compile, fit check on the firmware, bit-exact check on the twin against the
   TFLM oracle (random inputs and real evaluation inputs), measured latency.
6. Accuracy of the int8 model (TFLite interpreter) on held-out speakers, and the HTML report.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from search_space.dnas.constraints import ResourceLimits, check_feasible, latency_line, limits_for_board

log = logging.getLogger(__name__)

__all__ = ["PipelineConfig", "PipelineResult", "run_pipeline", "int8_accuracy", "verify_on_inputs"]


@dataclass(frozen=True)
class PipelineConfig:
    board: str = "nucleo-f446re"
    latency_ms: float = 200.0
    task: str = "kws"
    twin: bool = True
    sweep_n: int = 12
    search_epochs: int = 30
    search_batch: int = 64
    proxy_speakers: int = 10
    proxy_samples_per_speaker: int = 200
    devices: int = 20
    samples_per_device: int = 200
    eval_samples: int = 1000
    algorithm: str = "feddyn"
    rounds: int = 60
    participation: float = 0.3
    local_epochs: int = 2
    local_lr: float = 0.1
    local_batch: int = 32
    init: str = "searched"  # "searched" (inherit the supernet's weights) or "fresh"
    data: str = "synthetic"  # "synthetic" (search_space.dnas.synthetic_keywords) or "espeak" (datasets.keywords)
    voices: int = 16  # espeak: devices = voices
    check_inputs: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.task != "kws":
            raise ValueError(f"pipeline --task: only 'kws' has a data set here, got {self.task!r}")
        if self.data not in ("synthetic", "espeak"):
            raise ValueError(f"pipeline data: expected 'synthetic' or 'espeak', got {self.data!r}")
        if self.init not in ("searched", "fresh"):
            raise ValueError(f"pipeline init: expected 'searched' or 'fresh', got {self.init!r}")
        if not self.twin:
            raise ValueError("pipeline: only twins are supported here (no board attached)")


@dataclass
class PipelineResult:
    config: PipelineConfig
    limits: ResourceLimits
    out_dir: Path
    latency_fit: dict[str, Any]
    spec: dict[str, Any] = field(default_factory=dict)
    search_history: list[dict[str, Any]] = field(default_factory=list)
    search_seconds: float = 0.0
    federated_history: list[dict[str, Any]] = field(default_factory=list)
    predicted_latency_ms: float = 0.0  # the proxy line DNAS searched with
    predicted_latency_layer_ms: float | None = None  # the fit's per-layer-type model, for comparison
    measured_latency_ms: float = 0.0
    cycles: int = 0
    working_memory_bytes: int = 0
    arena_needed_bytes: int = 0
    plan_bytes: int = 0
    plan_slot_bytes: int = 0
    flash_estimate_bytes: int = 0
    mops: float = 0.0
    float_accuracy: float = 0.0
    int8_accuracy: float = 0.0
    bit_exact_inputs: int = 0
    files: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k not in ("search_history", "federated_history", "config",
                                                                   "limits")}
        d["config"] = asdict(self.config)
        d["limits"] = self.limits.to_dict()
        d["out_dir"] = str(self.out_dir)
        d["latency_error_pct"] = (100.0 * (self.measured_latency_ms - self.predicted_latency_ms)
                                  / self.predicted_latency_ms) if self.predicted_latency_ms else None
        d["fits"] = {"latency": self.measured_latency_ms <= self.limits.latency_ms,
                     "sram": self.arena_needed_bytes <= self.limits.arena_bytes,
                     "flash": self.plan_bytes <= self.plan_slot_bytes}
        return d


def int8_accuracy(tflite: bytes, x: np.ndarray, y: np.ndarray) -> float:
    """Top-1 accuracy of an int8 .tflite (TFLite interpreter, reference kernels) on float inputs."""
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_content=tflite,
                                 experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    scale, zero = inp["quantization"]
    correct = 0
    for xi, yi in zip(x, y, strict=True):
        q = np.clip(np.round(xi / scale + zero), -128, 127).astype(np.int8)[None]
        interp.set_tensor(inp["index"], q)
        interp.invoke()
        correct += int(np.argmax(interp.get_tensor(out["index"])[0]) == yi)
    return correct / max(len(y), 1)


def quantize_inputs(tflite: bytes, x: np.ndarray) -> list[np.ndarray]:
    from harness.engine.tflite_model import read_tflite

    model = read_tflite(tflite)
    t = model.tensors[model.inputs[0]]
    scale, zero = float(t.quant.scales[0]), int(t.quant.zero_points[0])
    return [np.clip(np.round(xi / scale + zero), -128, 127).astype(np.int8).reshape(t.shape) for xi in x]


def verify_on_inputs(target: Any, model: Any, inputs: list[np.ndarray], timeout: float = 300.0) -> int:
    """Run ``inputs`` on the loaded target and compare every output with the TFLM oracle, bit for bit."""
    from harness.runtime.profiler import OutputMismatch

    for i, x in enumerate(inputs):
        target.client.load_input(np.ascontiguousarray(x).tobytes())
        result = target.client.infer(1, 0, timeout=timeout)
        got = np.asarray(result.results, dtype=np.int64).ravel()
        expected = np.asarray(model.expected(x)).ravel().astype(np.int64)
        if got.shape != expected.shape or not np.array_equal(got, expected):
            diff = np.flatnonzero(got != expected) if got.shape == expected.shape else np.array([-1])
            k = int(diff[0])
            raise OutputMismatch(model.name, target.name, i, k, float(got[k]) if k >= 0 else len(got),
                                 float(expected[k]) if k >= 0 else len(expected), len(diff), expected.size)
    return len(inputs)


def run_pipeline(config: PipelineConfig, out_dir: Path, *, store_path: Path | None = None,
                 models_dir: Path | None = None, progress: bool = True,
                 say: Callable[[str], None] = lambda s: log.info("%s", s)) -> PipelineResult:
    from harness.boards import get_board
    from harness.pipeline.latency_fit import ensure_latency_model
    from harness.pipeline.report import write_report
    from harness.runtime.model_prep import prepare_model
    from harness.runtime.profiler import ModelDoesNotFit, ProfileSettings, profile_model
    from harness.runtime.targets import TwinTarget
    from harness.store.export import write_atomically
    from search_space.dnas.constraints import LatencyLine

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    board = get_board(config.board.removesuffix("@twin"))
    limits = limits_for_board(board.name, config.latency_ms, config.task)
    check_feasible(config.task, limits, None)  # SRAM and flash, before any sweep
    say(f"budget on {board.name}: {limits.latency_ms:g} ms, {limits.sram_bytes} B working memory, "
        f"{limits.flash_bytes} B plan slot")

    store_path = Path(store_path) if store_path else out_dir / "results.sqlite"
    fit, fitted_now = ensure_latency_model(board.name, config.task, store_path=store_path, models_dir=models_dir,
                                           n=config.sweep_n, seed=config.seed, progress=progress)
    line = latency_line(fit)
    timings["latency_fit_s"] = time.perf_counter() - t0
    say(f"latency model {'fitted now' if fitted_now else 'loaded'}: {line.slope:.4g} ms/Mop + {line.intercept:.4g} ms "
        f"(n={fit.proxy.n}, r²={fit.proxy.r2:.3f})")
    minimum = check_feasible(config.task, limits, line)
    say(f"smallest {config.task} model: {minimum['mops']:.3f} Mops, predicted {minimum['latency_ms']:.2f} ms: feasible")

    # ---- data: search data, devices for federated training, held-out evaluation set
    devices, (px, py) = load_pipeline_data(config)
    eval_x, eval_y = devices.evaluation_set()
    say(f"data: {devices.name}, {devices.n_devices} devices, {int(devices.sizes.sum())} training and "
        f"{len(eval_y)} evaluation clips, {len(py)} search clips")

    # ---- search
    from search_space.dnas.search import SearchConfig, run_search

    t1 = time.perf_counter()
    search_cfg = SearchConfig(space=config.task, epochs=config.search_epochs, batch_size=config.search_batch,
                              finetune_epochs=0, seed=config.seed)
    result = run_search(search_cfg, limits, LatencyLine(line.slope, line.intercept, line.board), px, py,
                        log_path=out_dir / "search_log.jsonl", progress=progress, convert=False,
                        on_epoch=lambda r: say(f"search epoch {r['epoch']}/{config.search_epochs}: τ={r['tau']:.2f} "
                                               f"acc={r['train_acc']:.3f} derived {r['derived_usage']['mops']:.2f} Mops "
                                               f"{r['derived_usage']['latency_ms']:.1f} ms fits={r['derived_fits']}"))
    timings["search_s"] = time.perf_counter() - t1
    spec = result.spec
    write_atomically(out_dir / "arch_spec.json", spec.to_json(indent=2) + "\n")
    say(f"derived {spec.content_hash}: {result.usage['mops']:.2f} Mops, predicted {result.usage['latency_ms']:.1f} ms, "
        f"{result.usage['sram_bytes']} B working memory ({result.derive_info['repair_steps']} repair steps)")

    # ---- federated training
    from federated.algorithms import make_algorithm
    from federated.experiment import DEFAULT_HYPERPARAMETERS
    from federated.inprocess import InProcessDispatcher
    from federated.local_sgd import LocalTrainingConfig
    from federated.participation import Participation
    from federated.server import FederatedServer, RunConfig
    from search_space.dnas.subnet import SubnetFlatModel, accuracy, unflatten

    t2 = time.perf_counter()
    model = SubnetFlatModel(spec, initial=result.weights if config.init == "searched" else None, seed=config.seed)
    algorithm = make_algorithm(config.algorithm, **DEFAULT_HYPERPARAMETERS.get(config.algorithm, {}))
    local = LocalTrainingConfig(learning_rate=config.local_lr, batch_size=config.local_batch,
                                epochs=config.local_epochs)
    participation = Participation(probability=config.participation, seed=config.seed)
    run_cfg = RunConfig(algorithm=algorithm.name, hyperparameters=algorithm.hyperparameters(), local=local,
                        participation=participation, seed=config.seed, dataset=devices.name,
                        n_devices=devices.n_devices, n_params=model.n_params, extra={"spec": spec.content_hash})
    dispatcher = InProcessDispatcher(algorithm, model, devices, local, config.seed)
    server = FederatedServer(algorithm, model, dispatcher, run_cfg, devices.sizes, np.asarray(eval_x, np.float64),
                             eval_y, init_params=model.init_params(np.random.default_rng(config.seed)))
    history = server.run(config.rounds, progress=progress,
                         on_round=lambda r: say(f"{algorithm.name} round {r.round}/{config.rounds}: "
                                                f"accuracy {r.accuracy:.4f}"))
    timings["federated_s"] = time.perf_counter() - t2
    weights = unflatten(spec, algorithm.evaluation_params(server.state))
    float_acc = accuracy(spec, weights, eval_x, eval_y)

    # ---- int8, compile, fit, twin
    from search_space.dnas.search import export_int8
    from search_space.fastpath import write_tflite

    t3 = time.perf_counter()
    train_x, _ = devices.union()
    tflite = export_int8(spec, weights, train_x, seed=config.seed)
    tflite_path = out_dir / "model_int8.tflite"
    write_tflite(tflite, tflite_path)
    prepared = prepare_model(tflite, name=f"dnas-{spec.content_hash}", source=str(tflite_path), space=config.task,
                             arch_spec=spec.to_dict())
    q_acc = int8_accuracy(tflite, eval_x, eval_y)
    with TwinTarget(board) as target:
        problem = target.fit_problem(prepared)
        if problem:
            raise ModelDoesNotFit(problem)
        profile = profile_model(target, prepared, ProfileSettings(check_inputs=config.check_inputs, seed=config.seed))
        real_inputs = quantize_inputs(tflite, eval_x[: config.check_inputs])
        checked = profile.outputs_checked + verify_on_inputs(target, prepared, real_inputs)
        plan_slot = target.image.plan_slot_bytes
    timings["deploy_s"] = time.perf_counter() - t3
    predicted = line.predict_ms(prepared.counts.paper_ops)
    try:
        layer_ms: float | None = fit.predict({"ops": prepared.counts.paper_ops, "layers": prepared.layers,
                                              "ops_by_layer_type": prepared.ops_by_layer_type}, use="layer_model").ms
    except (ValueError, KeyError) as exc:
        log.info("no per-layer-type prediction: %s", exc)
        layer_ms = None
    res = PipelineResult(
        config=config, limits=limits, out_dir=out_dir,
        latency_fit={"board": fit.board, "space": fit.space, "slope_ms_per_mop": line.slope,
                     "intercept_ms": line.intercept, "n": fit.proxy.n, "r2": fit.proxy.r2, "fitted_now": fitted_now},
        spec=spec.to_dict(), search_history=result.history, search_seconds=timings["search_s"],
        federated_history=[r.as_dict() for r in history],
        predicted_latency_ms=predicted, predicted_latency_layer_ms=layer_ms, measured_latency_ms=profile.latency_ms,
        cycles=int(profile.cycles_median),
        working_memory_bytes=prepared.counts.peak_sram_bytes,
        arena_needed_bytes=prepared.plan.arena_bytes + prepared.plan.input.nbytes,
        plan_bytes=prepared.plan.plan_bytes, plan_slot_bytes=plan_slot, flash_estimate_bytes=prepared.counts.flash_bytes,
        mops=prepared.counts.mops, float_accuracy=float_acc, int8_accuracy=q_acc, bit_exact_inputs=checked,
        timings=timings,
    )
    res.files = {"spec": str(out_dir / "arch_spec.json"), "tflite": str(tflite_path),
                 "search_log": str(out_dir / "search_log.jsonl")}
    write_atomically(out_dir / "pipeline.json", json.dumps(res.summary(), indent=2, default=str) + "\n")
    res.files["summary"] = str(out_dir / "pipeline.json")
    res.files["report"] = str(write_report(res, out_dir / "report.html"))
    timings["total_s"] = time.perf_counter() - t0
    return res


def load_pipeline_data(config: PipelineConfig) -> tuple[Any, tuple[np.ndarray, np.ndarray]]:
    """(devices' federated data set with 49x10x1 features, (search x, search y)).

    ``synthetic``: devices are synthetic speakers, the search runs on other (proxy) speakers.
    ``espeak``: the espeak-ng keyword set of ``datasets.keywords`` (one device per voice, 10 keywords
    under the space's 12-class head); with only 16 voices there are none to spare, so the search runs
    on the union of the devices' training clips (a simulation shortcut: a real deployment would
    search on server-side data).
    """
    from datasets.federated_dataset import FederatedDataset
    from search_space.dnas.synthetic_keywords import KeywordTaskConfig, make_keyword_task

    if config.data == "synthetic":
        devices = make_keyword_task(KeywordTaskConfig(devices=config.devices,
                                                      samples_per_device=config.samples_per_device,
                                                      eval_samples=config.eval_samples, seed=config.seed))
        return devices, _proxy_speakers(config)
    from datasets.keywords import KeywordSpec, load_keyword_dataset

    flat = load_keyword_dataset(KeywordSpec(n_voices=config.voices, seed=config.seed), progress=False)
    shape = (-1, 49, 10, 1)
    ex, ey = flat.evaluation_set()
    devices = FederatedDataset(flat.name, [x.reshape(shape) for x in flat.device_x], list(flat.device_y), 12,
                               list(flat.device_names), ex.reshape(shape), ey)
    x, y = devices.union()
    return devices, (x, y)


def _proxy_speakers(config: PipelineConfig) -> tuple[np.ndarray, np.ndarray]:
    """Server-side search data: the same keywords spoken by other speakers than the devices."""
    from search_space.dnas.synthetic_keywords import KeywordTaskConfig, make_keyword_task

    both = make_keyword_task(KeywordTaskConfig(devices=config.devices + config.proxy_speakers,
                                               samples_per_device=config.proxy_samples_per_speaker,
                                               eval_samples=1, seed=config.seed))
    xs = both.device_x[config.devices:]
    ys = both.device_y[config.devices:]
    return np.concatenate(xs), np.concatenate(ys)
