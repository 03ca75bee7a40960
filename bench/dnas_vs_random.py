"""Searched architecture vs the best of N uniformly sampled architectures meeting the same budget.

    PYTHONPATH=. python bench/dnas_vs_random.py --spec results/pipeline-.../arch_spec.json \
        --board nucleo-f446re --latency-ms 150 --n-random 20 --trainer federated --rounds 30

Every architecture — the searched one and the N random ones (uniform over the kws choices,
rejection on the exact counts: predicted latency from the board twin's saved fit, working memory,
flash estimate) — is trained from the same fresh initialisation scheme with the same budget (once per
``--train-seeds`` seed; rows then hold the mean ± standard deviation over seeds)
(``--trainer federated``: FedDyn, the pipeline's device set, rounds, participation and local
epochs; ``--trainer central``: Adam on the union of the devices' data for ``--epochs``), converted
to int8 and evaluated on the held-out speakers with the TFLite reference kernels. Prints one row
per model and the comparison; ``--json`` writes the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def sample_feasible(n: int, limits, line, seed: int, max_draws: int = 200000):  # noqa: ANN001, ANN201
    from search_space.dnas.search import exact_usage
    from search_space.sampling import sample_specs
    from search_space.spaces import get_space

    space = get_space("kws")
    out, draws = [], 0
    while len(out) < n:
        if draws >= max_draws:
            raise RuntimeError(f"only {len(out)} of {n} feasible architectures in {draws} draws")
        spec = sample_specs(space, 1, seed=seed * 1_000_003 + draws)[0]
        draws += 1
        if exact_usage(spec, line).fits(limits):
            out.append(spec)
    return out, draws


def _cache_key(spec, args, seed: int) -> str:  # noqa: ANN001
    """What decides a training run's accuracy: the architecture, the data, the trainer and its budget."""
    if args.trainer == "central":
        trainer = f"central-e{args.epochs}"
    else:
        trainer = f"feddyn-r{args.rounds}-p{args.participation:g}-le{args.local_epochs}-lr{args.local_lr:g}"
    return f"{spec.content_hash}|{args.data}-s{args.seed}-d{args.devices}x{args.samples_per_device}|{trainer}|t{seed}"


def _load_cache(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SystemExit(f"--cache {path}: not a JSON object of cached accuracies ({exc})") from exc


def train_and_score(spec, data, args, cache: dict | None = None) -> dict:  # noqa: ANN001
    """Train and score once per training seed (``--train-seeds``); the row holds the mean accuracy
    and every seed's. ``cache`` (``--cache``) holds earlier runs' accuracies: a run already in it is
    not repeated, a new one is added and the file rewritten atomically."""
    from harness.atomic_io import write_text_atomic

    seeds = args.train_seeds or [args.seed]
    started = time.perf_counter()
    accs = []
    for s in seeds:
        key = _cache_key(spec, args, s)
        if cache is not None and key in cache:
            accs.append(float(cache[key]))
            continue
        accs.append(_train_and_score_once(spec, data, args, s))
        if cache is not None and args.cache is not None:
            cache[key] = accs[-1]
            write_text_atomic(args.cache, json.dumps(cache, indent=1, sort_keys=True))
    return {"hash": spec.content_hash, "int8_accuracy": float(np.mean(accs)), "int8_accuracy_std": float(np.std(accs)),
            "per_seed": dict(zip(seeds, accs, strict=True)), "train_s": time.perf_counter() - started}


def _train_and_score_once(spec, data, args, seed: int) -> float:  # noqa: ANN001
    from harness.pipeline.run import int8_accuracy
    from search_space.dnas.search import export_int8
    from search_space.dnas.subnet import SubnetFlatModel, init_weights, train_central, unflatten

    eval_x, eval_y = data.evaluation_set()
    if args.trainer == "central":
        x, y = data.union()
        weights = train_central(spec, init_weights(spec, np.random.default_rng(seed)), x, y, epochs=args.epochs,
                                seed=seed)
    else:
        from federated.algorithms import make_algorithm
        from federated.experiment import DEFAULT_HYPERPARAMETERS
        from federated.inprocess import InProcessDispatcher
        from federated.local_sgd import LocalTrainingConfig
        from federated.participation import Participation
        from federated.server import FederatedServer, RunConfig

        model = SubnetFlatModel(spec, seed=seed)
        algorithm = make_algorithm("feddyn", **DEFAULT_HYPERPARAMETERS["feddyn"])
        local = LocalTrainingConfig(learning_rate=args.local_lr, batch_size=32, epochs=args.local_epochs)
        part = Participation(probability=args.participation, seed=seed)
        cfg = RunConfig("feddyn", algorithm.hyperparameters(), local, part, seed, data.name, data.n_devices,
                        model.n_params)
        server = FederatedServer(algorithm, model, InProcessDispatcher(algorithm, model, data, local, seed), cfg,
                                 data.sizes, np.asarray(eval_x, np.float64), eval_y)
        server.run(args.rounds, progress=False)
        weights = unflatten(spec, algorithm.evaluation_params(server.state))
    x, _ = data.union()
    return int8_accuracy(export_int8(spec, weights, x), eval_x, eval_y)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--spec", type=Path, action="append", default=[],
                   help="a searched arch_spec.json (repeatable; none: the random architectures only)")
    p.add_argument("--board", default="nucleo-f446re")
    p.add_argument("--latency-ms", type=float, required=True)
    p.add_argument("--n-random", type=int, default=20)
    p.add_argument("--trainer", choices=("federated", "central"), default="federated")
    p.add_argument("--rounds", type=int, default=60)
    p.add_argument("--participation", type=float, default=0.3)
    p.add_argument("--local-epochs", type=int, default=2)
    p.add_argument("--local-lr", type=float, default=0.1)
    p.add_argument("--epochs", type=int, default=8, help="central trainer epochs")
    p.add_argument("--data", choices=("synthetic", "espeak"), default="synthetic")
    p.add_argument("--devices", type=int, default=20)
    p.add_argument("--samples-per-device", type=int, default=200)
    p.add_argument("--seed", type=int, default=0, help="data and random-architecture seed")
    p.add_argument("--train-seeds", type=int, nargs="+", default=None,
                   help="train every model once per seed and compare mean accuracies (default: --seed only)")
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--line", type=float, nargs=2, metavar=("MS_PER_MOP", "INTERCEPT_MS"), default=None,
                   help="the latency line of the constraints (default: the board twin's saved fit); pins the "
                        "random set of an earlier comparison after the fit was redone")
    p.add_argument("--cache", type=Path, default=None,
                   help="JSON file of accuracies of earlier training runs (architecture, data, trainer, seed): "
                        "reused instead of retraining, new runs added")
    args = p.parse_args()

    from harness.pipeline.latency_fit import find_latency_model
    from search_space.dnas.constraints import latency_line, limits_for_board
    from search_space.dnas.search import exact_usage
    from search_space.dnas.synthetic_keywords import KeywordTaskConfig, make_keyword_task
    from search_space.spec import ArchSpec

    if args.line:
        from search_space.dnas.constraints import LatencyLine

        line = LatencyLine(args.line[0], args.line[1], args.board)
    else:
        line = latency_line(find_latency_model(args.board, "kws"))
    print(f"latency line: {line.slope:.6g} ms/Mop + {line.intercept:.6g} ms")
    limits = limits_for_board(args.board, args.latency_ms, "kws")
    if args.data == "espeak":
        from harness.pipeline.run import PipelineConfig, load_pipeline_data

        data, _ = load_pipeline_data(PipelineConfig(data="espeak", seed=args.seed))
    else:
        data = make_keyword_task(KeywordTaskConfig(devices=args.devices, samples_per_device=args.samples_per_device,
                                                   seed=args.seed))
    searched = [ArchSpec.load(path) for path in args.spec]
    randoms, draws = sample_feasible(args.n_random, limits, line, args.seed) if args.n_random else ([], 0)
    print(f"budget {args.latency_ms:g} ms on {limits.board}; {args.n_random} feasible of {draws} uniform draws; "
          f"trainer {args.trainer}")
    cache = _load_cache(args.cache)
    rows = []
    labelled = [(f"searched-{i}", s) for i, s in enumerate(searched)] + [(f"random-{i}", s) for i, s in enumerate(randoms)]
    for label, spec in labelled:
        u = exact_usage(spec, line)
        row = {"model": label, "spec": spec.to_dict(), "mops": u.mops, "predicted_ms": u.latency_ms, "sram": u.sram_bytes,
               **train_and_score(spec, data, args, cache)}
        rows.append(row)
        print(f"{label:>10}  {row['hash']}  {u.mops:7.2f} Mops  {u.latency_ms:7.1f} ms  {u.sram_bytes:7d} B  "
              f"int8 acc {100 * row['int8_accuracy']:6.2f} ± {100 * row['int8_accuracy_std']:.2f} %  "
              f"({row['train_s']:.0f} s)", flush=True)
    rand = rows[len(searched):]
    for r in rows[:len(searched)]:
        print(f"{r['model']}: {100 * r['int8_accuracy']:.2f} ± {100 * r['int8_accuracy_std']:.2f} % "
              f"(per training seed: {', '.join(f'{100 * a:.2f}' for a in r['per_seed'].values())})")
    if rand:
        best = max(rand, key=lambda r: r["int8_accuracy"])
        median = 100 * float(np.median([r["int8_accuracy"] for r in rand]))
        print(f"best random: {100 * best['int8_accuracy']:.2f} ± {100 * best['int8_accuracy_std']:.2f} % "
              f"({best['model']}); median random: {median:.2f} %")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
