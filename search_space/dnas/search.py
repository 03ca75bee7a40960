"""The DNAS search under a board's latency, SRAM and flash budget, and the derivation of its result.

The default search is progressive shrinking from the largest network (every option below is a
``SearchConfig`` field; the defaults are the configuration measured best against random
architectures, see bench/dnas_vs_random.py and the issue notes):

Supernet: batch-normalised (``batch_norm``; batch statistics, folded into the derived subnet),
width options ``width_options`` evenly spread widths of the space's 69 (0, the default: all).

Phase 1, ``warmup_epochs`` (6): weights only on ``warmup_subnets`` ("largest", the default: the
largest network; "sandwich": largest + a uniformly random discrete subnet; "uniform"; or
"distribution": a Gumbel-softmax draw from the starting distribution). ``arch_init="largest"``
starts α at the largest network (width logits rising to ``arch_init_strength`` at the widest
option, keep logits ``arch_init_keep``), so the first architecture draws are networks the warm-up
trained. ``augment``: SpecAugment-style batches (time shift, a time and a frequency mask) so the
~1000 search clips are not memorised, which would leave the cross-entropy with no signal for α.

Phase 2, the remaining epochs: per step one Gumbel-softmax draw z at temperature τ (shared by the
batch; soft by default, ``hard_samples``: the forward pass sees the draw's one-hot argmax, the
gradient is the soft draw's), and the loss

    CE(supernet(x; z), y)
      + λ_lat   · max(0, E_p[latency] / (k_lat(t)·m·L) − 1)
      + λ_sram  · max(0, smoothmax_nodes E_p[in+out bytes] / (k_sram(t)·m·S) − 1)
      + λ_flash · max(0, E_p[flash bytes] / (k_flash(t)·m·F) − 1)
      + λ_under · max(0, u − E_p[latency] / (k_lat(t)·m·L))

with p the draw z (``resource_terms="sample"``, the default) or softmax(α) ("distribution":
deterministic), E_p[latency] = slope · E_p[Mops] + intercept from the board's fitted latency model, S the
firmware arena left after the input buffer, F the plan slot, m = ``margin`` (aim a little inside
the budget so the derived architecture, which is not the expectation, still fits). k(t) is the
shrinking schedule (:class:`ShrinkSchedule`): the targets go geometrically from the starting
distribution's expected usage down to the budget over the first ``shrink_fraction`` of the
architecture steps, so the distribution narrows at a pace the shared weights follow (with the
whole budget from the first step the hinges collapse the largest network within a few steps,
and its weights then serve none of the subnets drawn). Hinges on *relative* excess make the terms
comparable; λ = 2 for the upper ones; the lower hinge (λ_under = 1, u = ``under_fraction`` = 0.8)
keeps the search from settling far below the budget. Weights (Adam, ``weight_lr``, cross-entropy
only) and α (Adam, ``arch_lr``, the whole loss; with ``arch_split`` on held-apart clips) have
separate optimisers. τ decays exponentially from ``tau_start`` to ``tau_end`` over the epochs
(``hold_tau_in_warmup``: over the architecture epochs only).

After the last epoch the architecture is derived (``derive``: the argmax of α per decision, or
the width nearest the expected one); if its exact counts miss the budget :func:`repair_choices`
narrows it greedily until it fits, then the compiled plan is checked against the firmware
(``Target.fit_problem``). The derived network inherits its weights from the supernet (batch norm
folded in on the subnet's own statistics), is fine-tuned (plain float training; not
quantisation-aware) and converted to int8.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from search_space.counting import count_spec
from search_space.dnas.constraints import LatencyLine, ResourceLimits, check_feasible
from search_space.dnas.resources import structure_of
from search_space.spaces import get_space
from search_space.spec import ArchSpec

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

log = logging.getLogger(__name__)

__all__ = ["SearchConfig", "SearchResult", "run_search", "repair_choices", "exact_usage", "derive_and_check",
           "FitCheckError"]


class FitCheckError(RuntimeError):
    """The derived model does not fit the firmware although its counts are within the budget."""


@dataclass(frozen=True)
class SearchConfig:
    space: str = "kws"
    epochs: int = 30
    batch_size: int = 64
    weight_lr: float = 2e-3
    arch_lr: float = 5e-2
    tau_start: float = 1.0
    tau_end: float = 0.3
    # Defaults: progressive shrinking from the largest network with a batch-normalised supernet,
    # soft draws, augmented batches and the expected-width derivation — the configuration measured
    # best against 20 random architectures on the espeak keyword set at 150 ms on the F446RE twin
    # (bench/dnas_vs_random.py). The earlier defaults (no batch norm, uniform α, distribution
    # warm-up) left the discrete subnets untrained: the search then followed the penalties alone.
    warmup_epochs: int = 6  # weights only, before the architecture logits move
    # "largest", "sandwich" (largest + a uniformly random subnet), "uniform", or "distribution" (a
    # Gumbel-softmax draw from the starting architecture distribution)
    warmup_subnets: str = "largest"
    width_options: int = 0  # supernet width options per decision: a coarse subset of the space's (0: all)
    resource_terms: str = "sample"  # resource hinges on the Gumbel draw ("sample") or on softmax α ("distribution")
    hold_tau_in_warmup: bool = True  # τ decays over all epochs (False) or only after the warm-up (True)
    hard_samples: bool = False  # forward on the one-hot Gumbel argmax (straight-through gradient)
    # "uniform" α at the start, or "largest": α biased to the widest option and to keeping every
    # block (``arch_init_strength``: the logit ramp over the width options; ``arch_init_keep``: the
    # keep logit), so the search shrinks from the largest network
    arch_init: str = "largest"
    arch_init_strength: float = 8.0
    arch_init_keep: float = 2.0
    batch_norm: bool = True  # batch-normalised supernet (folded into the derived subnet's weights)
    # Fraction of the architecture epochs over which the resource targets shrink geometrically from
    # the starting distribution's expected usage to the budget (0: the budget from the first step).
    # With ``arch_init="largest"`` this is progressive shrinking: the distribution narrows at a pace
    # the shared weights can follow, instead of collapsing within a few steps under the hinges.
    shrink_fraction: float = 0.6
    # Fraction of the search's training clips held apart for the architecture updates (bi-level, as
    # in DARTS/FBNet: the weights fit one part, α follows the cross-entropy on the other, so it
    # rewards what generalises rather than what the shared weights memorised); 0: one batch for both.
    arch_split: float = 0.0
    # SpecAugment-style augmentation of the search batches (time shift, one time and one frequency
    # mask): ~1000 clips are memorised by the supernet within a few epochs, after which the
    # training cross-entropy is ~0 and gives α no signal; augmented batches keep it informative.
    augment: bool = True
    derive: str = "expected"  # the derived architecture: "argmax" of α per decision, or the "expected" widths
    lambda_latency: float = 2.0
    lambda_sram: float = 2.0
    lambda_flash: float = 2.0
    margin: float = 0.95
    lambda_under: float = 1.0  # latency far below the budget: weight of the lower hinge
    under_fraction: float = 0.8  # ... below this fraction of the (margin-scaled) latency budget
    finetune_epochs: int = 10
    finetune_lr: float = 1e-3
    val_fraction: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"search: epochs and batch_size must be >= 1, got {self.epochs}, {self.batch_size}")
        if not 0 < self.margin <= 1:
            raise ValueError(f"search margin: expected 0 < margin <= 1, got {self.margin}")
        if self.warmup_subnets not in ("largest", "sandwich", "uniform", "distribution"):
            raise ValueError(f"search warmup_subnets: expected 'largest', 'sandwich', 'uniform' or 'distribution', "
                             f"got {self.warmup_subnets!r}")
        if self.arch_init not in ("uniform", "largest"):
            raise ValueError(f"search arch_init: expected 'uniform' or 'largest', got {self.arch_init!r}")
        if self.resource_terms not in ("sample", "distribution"):
            raise ValueError(f"search resource_terms: expected 'sample' or 'distribution', got {self.resource_terms!r}")
        if self.derive not in ("argmax", "expected"):
            raise ValueError(f"search derive: expected 'argmax' or 'expected', got {self.derive!r}")
        if not 0 <= self.arch_split < 1:
            raise ValueError(f"search arch_split: expected 0 <= arch_split < 1, got {self.arch_split}")
        if not 0 <= self.shrink_fraction <= 1:
            raise ValueError(f"search shrink_fraction: expected 0..1, got {self.shrink_fraction}")
        if self.tau_start <= 0 or self.tau_end <= 0:
            raise ValueError("search: temperatures must be > 0")

    @property
    def first_arch_epoch(self) -> int:
        """The first epoch (0-based) that updates the architecture: after the warm-up, and never
        later than the last epoch."""
        return min(self.warmup_epochs, self.epochs - 1)

    def arch_progress(self, epochs_done: float) -> float:
        """Progress t of the architecture phase after ``epochs_done`` epochs (fractional within an
        epoch): 0 up to the first architecture epoch, 1 at the end of the search."""
        return max(epochs_done - self.first_arch_epoch, 0.0) / max(self.epochs - self.first_arch_epoch, 1)

    def tau(self, epoch: int) -> float:
        """Gumbel-softmax temperature: exponential decay from ``tau_start`` at epoch 0 (or, with
        ``hold_tau_in_warmup``, at the first architecture epoch) to ``tau_end`` at the last epoch."""
        first = self.first_arch_epoch if self.hold_tau_in_warmup else 0
        span = self.epochs - 1 - first
        if span <= 0:
            return self.tau_end
        t = min(max(epoch - first, 0) / span, 1.0)
        return self.tau_start * (self.tau_end / self.tau_start) ** t


@dataclass(frozen=True)
class ShrinkSchedule:
    """Resource targets of the progressive shrinking: at progress t (0 at the first architecture
    step, 1 at the last) each target is the budget times start_ratio^(1 - t/fraction), i.e. a
    geometric path from the starting distribution's expected usage down to the budget, reached at
    t = fraction and held after it. A resource already within the budget at the start keeps it."""

    fraction: float
    latency_ratio: float
    sram_ratio: float
    flash_ratio: float

    def factors(self, t: float) -> tuple[float, float, float]:
        if self.fraction <= 0:
            return (1.0, 1.0, 1.0)
        left = max(0.0, 1.0 - t / self.fraction)
        return tuple(max(r, 1.0) ** left for r in (self.latency_ratio, self.sram_ratio, self.flash_ratio))  # type: ignore[return-value]


@dataclass
class Usage:
    """Exact numbers of one architecture against the budget."""

    mops: float
    latency_ms: float
    sram_bytes: int
    flash_bytes: int

    def ratios(self, limits: ResourceLimits) -> dict[str, float]:
        return {"latency": self.latency_ms / limits.latency_ms, "sram": self.sram_bytes / limits.sram_bytes,
                "flash": self.flash_bytes / limits.flash_bytes}

    def fits(self, limits: ResourceLimits) -> bool:
        return all(r <= 1.0 for r in self.ratios(limits).values())


def exact_usage(spec: ArchSpec, line: LatencyLine) -> Usage:
    c = count_spec(spec)
    return Usage(c.mops, line.predict_ms(c.paper_ops), c.peak_sram_bytes, c.flash_bytes)


def repair_choices(space_name: str, choices: dict[str, Any], limits: ResourceLimits, line: LatencyLine,
                   margin: float = 1.0) -> tuple[dict[str, Any], int]:
    """Narrow ``choices`` until the exact counts are within ``margin`` × the budget: each step takes
    the one-notch width reduction (or, when no width helps, the block drop) that lowers the worst
    relative excess most. Returns the choices and the number of steps."""
    space = get_space(space_name)
    structure = structure_of(space)
    widths = structure.widths
    scaled = replace(limits, latency_ms=limits.latency_ms * margin, sram_bytes=int(limits.sram_bytes * margin),
                     flash_bytes=int(limits.flash_bytes * margin))

    def worst(ch: dict[str, Any]) -> float:
        return max(exact_usage(space.build(ch), line).ratios(scaled).values())

    current = dict(choices)
    score = worst(current)
    steps = 0
    while score > 1.0:
        moves: list[tuple[float, dict[str, Any]]] = []
        names = ["stem.filters"] + [f"block{i}.filters" for i in range(1, structure.n_blocks + 1)
                                    if current[f"block{i}.keep"]]
        for name in names:
            k = widths.index(current[name])
            if k > 0:
                cand = {**current, name: widths[k - 1]}
                moves.append((worst(cand), cand))
        best = min(moves, key=lambda m: m[0]) if moves else None
        if best is None or best[0] >= score:
            drops = []
            for i in range(1, structure.n_blocks + 1):
                if current[f"block{i}.keep"]:
                    cand = {**current, f"block{i}.keep": False}
                    drops.append((worst(cand), cand))
            if drops:
                best = min(drops + ([best] if best else []), key=lambda m: m[0])
        if best is None or best[0] >= score:
            raise FitCheckError(f"cannot narrow the derived architecture into the budget (worst ratio {score:.3f})")
        score, current = best
        steps += 1
    return current, steps


def derive_and_check(space_name: str, choices: dict[str, Any], limits: ResourceLimits, line: LatencyLine,
                     *, name: str = "dnas") -> tuple[ArchSpec, dict[str, Any]]:
    """Repair the choices into the budget, build the spec, and check the compiled plan on the firmware."""
    from harness.boards import get_board
    from harness.runtime.model_prep import prepare_model
    from harness.runtime.targets import TwinTarget
    from search_space.fastpath import spec_to_tflite

    before_repair = dict(choices)
    target = TwinTarget(get_board(limits.board))
    budget = limits
    total_steps = 0
    try:
        # The engine's arena can exceed the working-memory count by one op's kernel scratch: when
        # the compiled plan does not fit, tighten the SRAM budget by the excess and repair again.
        for _ in range(6):
            fixed, steps = repair_choices(space_name, choices, budget, line)
            total_steps += steps
            spec = get_space(space_name).build(fixed, name=name)
            model = prepare_model(spec_to_tflite(spec, seed=0), name=name)
            problem = target.fit_problem(model)
            if not problem:
                break
            need = model.plan.arena_bytes + model.plan.input.nbytes
            excess = need - target.image.size.arena
            if excess <= 0:  # a plan-slot problem: not an SRAM one
                raise FitCheckError(problem)
            budget = replace(budget, sram_bytes=budget.sram_bytes - excess - 16)
            choices = fixed
        else:
            raise FitCheckError(problem)
    finally:
        target.close()
    steps = total_steps
    info = {"repair_steps": steps, "derived_choices": before_repair, "sram_budget_used": budget.sram_bytes, "arena_bytes": model.plan.arena_bytes,
            "plan_bytes": model.plan.plan_bytes, "usage": asdict(exact_usage(spec, line))}
    return spec, info


@dataclass
class SearchResult:
    spec: ArchSpec
    weights: list[np.ndarray]
    tflite: bytes | None
    usage: dict[str, Any]
    float_accuracy: float
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds_per_epoch: list[float] = field(default_factory=list)
    derive_info: dict[str, Any] = field(default_factory=dict)


def augment_batch(x: np.ndarray, rng: np.random.Generator, max_shift: int = 4, max_time_mask: int = 8,
                  max_freq_mask: int = 2) -> np.ndarray:
    """Per example: a circular-free time shift by up to ``max_shift`` frames (edge frames repeated),
    one time mask of up to ``max_time_mask`` frames and one frequency mask of up to ``max_freq_mask``
    coefficients (set to the example's mean). ``x``: (N, T, F, C) features."""
    out = np.array(x, np.float32, copy=True)
    n, t, f = x.shape[0], x.shape[1], x.shape[2]
    for i in range(n):
        shift = int(rng.integers(-max_shift, max_shift + 1))
        if shift:
            idx = np.clip(np.arange(t) - shift, 0, t - 1)
            out[i] = out[i][idx]
        fill = float(out[i].mean())
        w = int(rng.integers(0, max_time_mask + 1))
        if w:
            t0 = int(rng.integers(0, t - w + 1))
            out[i, t0:t0 + w] = fill
        w = int(rng.integers(0, max_freq_mask + 1))
        if w:
            f0 = int(rng.integers(0, f - w + 1))
            out[i, :, f0:f0 + w] = fill
    return out


def _split(x: np.ndarray, y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, ...]:
    order = np.random.default_rng([seed, 0x5A]).permutation(len(y))
    n_val = max(1, int(round(fraction * len(y)))) if fraction > 0 else 0
    val, train = order[:n_val], order[n_val:]
    if n_val == 0:
        val = train[:1]
    return x[train], y[train], x[val], y[val]


def run_search(
    config: SearchConfig,
    limits: ResourceLimits,
    line: LatencyLine,
    x: np.ndarray,
    y: np.ndarray,
    *,
    log_path: Path | None = None,
    progress: bool = True,
    convert: bool = True,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> SearchResult:
    """Search, derive, fine-tune and (``convert``) export int8; see the module docstring."""
    import tensorflow as tf
    from tqdm import tqdm

    from search_space.dnas.subnet import accuracy, train_central
    from search_space.dnas.supernet import Supernet, coarse_widths, tf_expected_resources

    space = get_space(config.space)
    structure = structure_of(space)
    check_feasible(space, limits, line)
    if tuple(x.shape[1:]) != tuple(space.input_shape):
        raise ValueError(f"search data: features of shape {tuple(x.shape[1:])}, space {space.name!r} expects "
                         f"{tuple(space.input_shape)}")
    x = np.asarray(x, np.float32)
    y = np.asarray(y, np.int64)
    x_tr, y_tr, x_val, y_val = _split(x, y, config.val_fraction, config.seed)
    bilevel = config.arch_split > 0
    if bilevel:
        x_tr, y_tr, x_arch, y_arch = _split(x_tr, y_tr, config.arch_split, config.seed + 1)
    tf.random.set_seed(config.seed)
    structure = replace(structure, widths=coarse_widths(structure.widths, config.width_options))
    net = Supernet(structure, seed=config.seed, batch_norm=config.batch_norm)
    if config.arch_init == "largest":
        net.bias_towards_largest(config.arch_init_strength, config.arch_init_keep)
    w_opt = tf.keras.optimizers.Adam(config.weight_lr)
    a_opt = tf.keras.optimizers.Adam(config.arch_lr)
    lat_t = config.margin * limits.latency_ms
    sram_t = config.margin * limits.sram_bytes
    flash_t = config.margin * limits.flash_bytes
    line = replace(line, slope=float(line.slope), intercept=float(line.intercept))  # Python floats: TF-safe

    def penalties(sample: Any, relax: tf.Tensor | None = None) -> tuple[tf.Tensor, ...]:
        """The resource loss of ``sample``; ``relax`` (3,): factors >= 1 on the latency, SRAM and
        flash targets (the shrinking schedule), 1 when omitted."""
        r = tf_expected_resources(structure, sample)
        lat = line.predict_ms(r.paper_ops)
        k = tf.ones(3) if relax is None else relax
        p_lat = tf.nn.relu(lat / (lat_t * k[0]) - 1.0)
        p_sram = tf.nn.relu(r.sram_smooth_bytes / (sram_t * k[1]) - 1.0)
        p_flash = tf.nn.relu(r.flash_bytes / (flash_t * k[2]) - 1.0)
        p_under = tf.nn.relu(config.under_fraction - lat / (lat_t * k[0]))
        total = (config.lambda_latency * p_lat + config.lambda_sram * p_sram + config.lambda_flash * p_flash
                 + config.lambda_under * p_under)
        return total, lat, r.sram_smooth_bytes, r.flash_bytes

    w_opt.build(net.weight_variables)
    a_opt.build(net.arch_variables)

    def cross_entropy(xb: tf.Tensor, yb: tf.Tensor, sample: Any) -> tuple[tf.Tensor, tf.Tensor]:
        logits = net(xb, sample)
        ce = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(yb, logits))
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), yb), tf.float32))
        return ce, acc

    @tf.function(reduce_retracing=True)
    def warmup_step(xb: tf.Tensor, yb: tf.Tensor, tau: tf.Tensor) -> tuple[tf.Tensor, ...]:
        # Weights only: a uniformly random discrete subnet (and, sandwich rule, the largest), so the
        # shared weights serve every subnet before the architecture distribution starts to move.
        with tf.GradientTape() as tape:
            losses = []
            if config.warmup_subnets in ("largest", "sandwich"):
                losses.append(cross_entropy(xb, yb, net.sample_largest()))
            if config.warmup_subnets in ("uniform", "sandwich"):
                losses.append(cross_entropy(xb, yb, net.sample_uniform()))
            if config.warmup_subnets == "distribution":
                losses.append(cross_entropy(xb, yb, net.sample(tau, hard=config.hard_samples)))
            loss = tf.add_n([ce for ce, _ in losses])
            ce, acc = losses[0]
        w_vars = net.weight_variables
        w_opt.apply_gradients(zip(tape.gradient(loss, w_vars), w_vars, strict=True))
        pen, lat, sram, flash = penalties(net.probabilities())
        return ce, pen, acc, lat, sram, flash

    @tf.function(reduce_retracing=True)
    def search_step(xb: tf.Tensor, yb: tf.Tensor, xa: tf.Tensor, ya: tf.Tensor, tau: tf.Tensor,
                    relax: tf.Tensor) -> tuple[tf.Tensor, ...]:
        """One step: weights on (xb, yb); α on (xa, ya) when bi-level, else on (xb, yb) too."""
        with tf.GradientTape(persistent=True) as tape:
            draw = net.sample(tau, hard=config.hard_samples)
            ce, acc = cross_entropy(xb, yb, draw)
            pen, lat, sram, flash = penalties(net.probabilities() if config.resource_terms == "distribution" else draw,
                                              relax)
            loss = (cross_entropy(xa, ya, draw)[0] if bilevel else ce) + pen
        w_vars, a_vars = net.weight_variables, net.arch_variables
        w_opt.apply_gradients(zip(tape.gradient(ce, w_vars), w_vars, strict=True))
        a_opt.apply_gradients(zip(tape.gradient(loss, a_vars), a_vars, strict=True))
        del tape
        return ce, pen, acc, lat, sram, flash

    def derived_choices() -> dict[str, Any]:
        return net.argmax_choices() if config.derive == "argmax" else net.expected_choices()

    start = tf_expected_resources(structure, net.probabilities())
    shrink = ShrinkSchedule(config.shrink_fraction,
                            line.predict_ms(float(start.paper_ops)) / lat_t,
                            float(start.sram_smooth_bytes) / sram_t, float(start.flash_bytes) / flash_t)
    rng = np.random.default_rng([config.seed, 0xB47C])
    history: list[dict[str, Any]] = []
    seconds: list[float] = []
    log_file = None
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
    n_batches = math.ceil(len(y_tr) / config.batch_size)
    bar = tqdm(total=config.epochs * n_batches, desc=f"DNAS {config.space} on {limits.board}", unit="batch",
               disable=not progress, leave=False)
    try:
        for epoch in range(config.epochs):
            started = time.perf_counter()
            tau = config.tau(epoch)
            update_arch = epoch >= config.first_arch_epoch
            order = rng.permutation(len(y_tr))
            sums = np.zeros(6)
            for b in range(n_batches):
                idx = order[b * config.batch_size:(b + 1) * config.batch_size]
                xb = tf.constant(augment_batch(x_tr[idx], rng) if config.augment else x_tr[idx])
                yb = tf.constant(y_tr[idx])
                if update_arch:
                    relax = shrink.factors(config.arch_progress(epoch + b / n_batches))
                    if bilevel:
                        aidx = rng.integers(0, len(y_arch), size=len(idx))
                        xa, ya = tf.constant(x_arch[aidx]), tf.constant(y_arch[aidx])
                    else:
                        xa, ya = xb, yb
                    out = search_step(xb, yb, xa, ya, tf.constant(tau, tf.float32), tf.constant(relax, tf.float32))
                else:
                    out = warmup_step(xb, yb, tf.constant(tau, tf.float32))
                sums += np.array([float(v) for v in out])
                bar.update(1)
            means = sums / n_batches
            seconds.append(time.perf_counter() - started)
            choices = derived_choices()
            arg_spec = space.build(choices)
            usage = exact_usage(arg_spec, line)
            hot = net.one_hot(choices)
            val_logits = np.concatenate([net(tf.constant(x_val[i:i + 512]), hot).numpy()
                                         for i in range(0, len(y_val), 512)])
            expected = tf_expected_resources(structure, net.probabilities())
            record = {
                "epoch": epoch + 1,
                "tau": round(tau, 5),
                "latency_target_ms": round(lat_t * shrink.factors(config.arch_progress(epoch + 1))[0], 3),
                "arch_updates": bool(update_arch),
                "train_ce": round(means[0], 5),
                "penalty": round(means[1], 5),
                "train_acc": round(means[2], 5),
                "sampled_latency_ms": round(means[3], 3),
                "sampled_sram_bytes": round(means[4], 1),
                "sampled_flash_bytes": round(means[5], 1),
                "expected_latency_ms": round(line.predict_ms(float(expected.paper_ops)), 3),
                "expected_sram_bytes": round(float(expected.sram_bytes), 1),
                "expected_flash_bytes": round(float(expected.flash_bytes), 1),
                "derived_choices": choices,
                "derived_usage": asdict(usage),
                "derived_fits": usage.fits(limits),
                "derived_val_acc": round(float(np.mean(np.argmax(val_logits, 1) == y_val)), 5),
                "width_options": list(structure.widths),
                "distribution": net.distribution(),
                "seconds": round(seconds[-1], 2),
            }
            history.append(record)
            if log_file:
                log_file.write(json.dumps(record) + "\n")
                log_file.flush()
            if on_epoch:
                on_epoch(record)
            bar.set_postfix(acc=f"{means[2]:.3f}", lat=f"{usage.latency_ms:.0f}ms", fits=usage.fits(limits))
            log.info("epoch %d: tau %.3f ce %.4f pen %.4f acc %.3f derived %.2f Mops %.1f ms %d B SRAM %d B flash",
                     epoch + 1, tau, means[0], means[1], means[2], usage.mops, usage.latency_ms, usage.sram_bytes,
                     usage.flash_bytes)
    finally:
        bar.close()
        if log_file:
            log_file.close()

    spec, info = derive_and_check(config.space, derived_choices(), limits, line, name=f"dnas-{config.space}")
    weights = net.subnet_weights(spec.choices, x_tr if config.batch_norm else None)
    if config.finetune_epochs > 0:
        weights = train_central(spec, weights, x, y, epochs=config.finetune_epochs, batch_size=config.batch_size,
                                learning_rate=config.finetune_lr, seed=config.seed)
    acc = accuracy(spec, weights, x_val, y_val)
    tflite = export_int8(spec, weights, x) if convert else None
    return SearchResult(spec, weights, tflite, info["usage"], acc, history, seconds, info)


def export_int8(spec: ArchSpec, weights: list[np.ndarray], calibration_x: np.ndarray, samples: int = 200,
                seed: int = 0) -> bytes:
    """Full-integer int8 .tflite of the trained subnet, calibrated on ``samples`` training inputs."""
    from search_space.dnas.subnet import to_keras
    from search_space.tf_convert import convert_keras_to_int8

    rng = np.random.default_rng([seed, 0xCA1])
    pick = rng.choice(len(calibration_x), size=min(samples, len(calibration_x)), replace=False)

    def rep() -> Any:
        for i in pick:
            yield [np.asarray(calibration_x[i:i + 1], np.float32)]

    return convert_keras_to_int8(to_keras(spec, weights), rep)
