"""`tinyhil federated train`: federated training (FedDyn and baselines) on simulated devices."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from harness.atomic_io import write_text_atomic
from harness.cli.console import make_console
from harness.paths import RESULTS_DIR

ALGORITHM_CHOICES = ("feddyn", "fedavg", "fedprox", "scaffold", "all")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("federated", help="federated training of small models (FedDyn and baselines)")
    fsub = p.add_subparsers(dest="federated_command", metavar="SUBCOMMAND")
    t = fsub.add_parser("train", help="train on a federated data set and report accuracy per round")
    t.add_argument("--dataset", default="synthetic",
                   help="'synthetic' (FedDyn's synthetic example), 'keywords' (espeak-ng keyword set) or a .npz file/dir")
    t.add_argument("--algorithm", choices=ALGORITHM_CHOICES, default="feddyn")
    t.add_argument("--rounds", type=int, default=100)
    t.add_argument("--backend", choices=("inprocess", "flower"), default="inprocess")
    t.add_argument("--checkpoint", type=Path, help="checkpoint file (one per algorithm with --algorithm all)")
    t.add_argument("--checkpoint-every", type=int, default=1, metavar="N")
    t.add_argument("--resume", action="store_true", help="continue from --checkpoint if it exists")
    t.add_argument("--out", type=Path, help="output directory (metrics JSON, plot); default results/federated/<dataset>")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--participation", type=float, default=0.1, help="probability each device is active in a round")
    t.add_argument("--participation-mode", choices=("bernoulli", "fixed"), default="bernoulli")
    t.add_argument("--model", default="logistic",
                   help="'logistic', 'mlp:H1,H2,...' or 'spec:NAME_OR_JSON' (a search_space architecture)")
    t.add_argument("--export-tflite", type=Path, metavar="PATH",
                   help="write the trained model as a full-int8 .tflite (one per algorithm with --algorithm all)")
    t.add_argument("--lr", type=float, default=0.1)
    t.add_argument("--batch-size", type=int, default=10)
    t.add_argument("--epochs", type=int, default=10)
    t.add_argument("--weight-decay", type=float, default=1e-5)
    t.add_argument("--clip-norm", type=float, default=10.0)
    t.add_argument("--alpha", type=float, default=1e-2, help="FedDyn alpha")
    t.add_argument("--mu", type=float, default=1e-4, help="FedProx mu")
    t.add_argument("--global-lr", type=float, default=1.0, help="SCAFFOLD global learning rate")
    g = t.add_argument_group("synthetic data set")
    g.add_argument("--devices", type=int, default=20)
    g.add_argument("--features", type=int, default=30)
    g.add_argument("--classes", type=int, default=5)
    g.add_argument("--size", type=int, default=200, help="mean points per device")
    g.add_argument("--syn-alpha", type=float, default=0.0, help="device-specific solution spread")
    g.add_argument("--syn-beta", type=float, default=0.0, help="device-specific feature-mean spread")
    g.add_argument("--syn-theta", type=float, default=0.0, help="lognormal sigma of device sizes")
    g.add_argument("--data-seed", type=int, default=0)
    t.add_argument("--no-progress", action="store_true")
    t.set_defaults(func=run)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def load_dataset(args: argparse.Namespace):
    if args.dataset == "synthetic":
        from datasets.synthetic_feddyn import SyntheticSpec, generate_synthetic

        heterogeneous_w = args.syn_alpha > 0
        heterogeneous_mu = args.syn_beta > 0
        return generate_synthetic(SyntheticSpec(
            n_features=args.features, n_classes=args.classes, n_devices=args.devices, mean_size=args.size,
            alpha=args.syn_alpha, beta=args.syn_beta, theta=args.syn_theta,
            shared_solution=not heterogeneous_w, shared_features=not heterogeneous_mu, seed=args.data_seed,
        ))
    if args.dataset == "keywords":
        from datasets.keywords import load_keyword_dataset

        return load_keyword_dataset(seed=args.data_seed)
    from datasets.npz import load_npz_partitions

    return load_npz_partitions(args.dataset)


def _write_json(path: Path, data) -> None:
    write_text_atomic(path, json.dumps(data, indent=1))


def _export(server, dataset, path: Path, suffix: str | None, console) -> None:
    import numpy as np

    from federated.keras_model import export_int8_tflite, int8_tflite_accuracy, keras_equivalent
    from federated.models import evaluate

    if suffix:
        path = path.with_name(f"{path.stem}-{suffix}{path.suffix or '.tflite'}")
    params = server.algorithm.evaluation_params(server.state)
    keras_model = keras_equivalent(server.model)
    x_train, _ = dataset.union()
    rng = np.random.default_rng(0)
    representative = x_train[rng.permutation(len(x_train))[:200]]
    export_int8_tflite(keras_model, params, representative, path)
    x, y = dataset.evaluation_set()
    _, float_acc = evaluate(server.model, params, x, y)
    console.print(f"int8 model {path}: accuracy {int8_tflite_accuracy(path, x, y):.4f} (float {float_acc:.4f})")


def run(args: argparse.Namespace) -> int:
    from federated.experiment import ALL_ALGORITHMS, ExperimentSpec, run_experiment_server
    from federated.local_sgd import LocalTrainingConfig
    from federated.metrics import rounds_to_accuracy
    from federated.participation import Participation
    from federated.plotting import plot_accuracy

    if args.rounds < 1:
        raise ValueError(f"--rounds must be >= 1, got {args.rounds}")
    if args.resume and not args.checkpoint:
        raise ValueError("--resume needs --checkpoint PATH")
    dataset = load_dataset(args)
    names = list(ALL_ALGORITHMS) if args.algorithm == "all" else [args.algorithm]
    out = args.out or RESULTS_DIR / "federated" / dataset.name
    console = make_console()
    base = ExperimentSpec(
        rounds=args.rounds,
        model=args.model,
        local=LocalTrainingConfig(args.lr, args.batch_size, args.epochs, args.weight_decay, args.clip_norm),
        participation=Participation(args.participation, args.participation_mode, args.seed),
        seed=args.seed,
        backend=args.backend,
    )
    params = {"feddyn": {"alpha": args.alpha}, "fedprox": {"mu": args.mu}, "scaffold": {"global_lr": args.global_lr}}
    histories = {}
    for name in names:
        spec = replace(base, algorithm=name, hyperparameters=params.get(name, {}))
        ckpt = args.checkpoint
        if ckpt and len(names) > 1:
            ckpt = ckpt.with_name(f"{ckpt.stem}-{name}{ckpt.suffix or '.npz'}")
        server = run_experiment_server(spec, dataset, checkpoint=ckpt, resume=args.resume,
                                       checkpoint_every=args.checkpoint_every, progress=not args.no_progress)
        history = histories[name] = server.history
        if args.export_tflite:
            _export(server, dataset, args.export_tflite, name if len(names) > 1 else None, console)
        _write_json(out / f"{name}.json", {"dataset": dataset.name, "algorithm": name, "spec": repr(spec),
                                           "rounds": [r.as_dict() for r in history]})
        last = history[-1]
        r97, r98 = rounds_to_accuracy(history, 0.97), rounds_to_accuracy(history, 0.98)
        console.print(
            f"{name:9s} round {last.round}: accuracy {last.accuracy:.4f} loss {last.loss:.4f}  "
            f"rounds to 97%: {r97 or '-'}  to 98%: {r98 or '-'}  "
            f"bytes down/up per round: {sum(r.bytes_down for r in history) // len(history)}/"
            f"{sum(r.bytes_up for r in history) // len(history)}"
        )
    plot = plot_accuracy(histories, out / "accuracy.png", title=f"{dataset.name} ({args.backend})")
    console.print(f"metrics and plot written to {out} ({plot.name})")
    return 0
