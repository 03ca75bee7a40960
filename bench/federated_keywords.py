"""Rounds to target accuracy per algorithm on the espeak-ng keyword data set (16 voices = 16 devices,
10 keywords, 49x10 MFCCs; accuracy on held-out clips of every voice).

    PYTHONPATH=. python bench/federated_keywords.py [--rounds 150] [--model mlp:64] [--participation 0.25] [--alpha 0.1]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: threads only add overhead

import argparse  # noqa: E402
import time

from datasets.keywords import load_keyword_dataset
from federated.experiment import ALL_ALGORITHMS, ExperimentSpec, run_experiment
from federated.local_sgd import LocalTrainingConfig
from federated.metrics import rounds_to_accuracy
from federated.participation import Participation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--model", default="mlp:64")
    parser.add_argument("--participation", type=float, default=0.25)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.1, help="FedDyn alpha (0.1 suits this set; 0.01 is slower)")
    parser.add_argument("--targets", type=float, nargs="+", default=[0.80, 0.85])
    args = parser.parse_args()
    dataset = load_keyword_dataset(progress=False)
    print(f"{dataset.name}: {dataset.n_devices} devices, {int(dataset.sizes.sum())} training clips, "
          f"{len(dataset.evaluation_set()[1])} held-out clips, model {args.model}")
    head = " ".join(f"{'to ' + format(t, '.0%'):>7}" for t in args.targets)
    print(f"{'algorithm':10} {head} {'best':>6} {'final':>6} {'s/round':>8}")
    for name in ALL_ALGORITHMS:
        spec = ExperimentSpec(algorithm=name, rounds=args.rounds, model=args.model,
                              hyperparameters={"alpha": args.alpha} if name == "feddyn" else {},
                              participation=Participation(args.participation),
                              local=LocalTrainingConfig(learning_rate=args.lr, epochs=args.epochs))
        started = time.perf_counter()
        history = run_experiment(spec, dataset, progress=False)
        per_round = (time.perf_counter() - started) / len(history)
        reached = " ".join(f"{rounds_to_accuracy(history, t) or '-':>7}" for t in args.targets)
        best = max(r.accuracy for r in history)
        print(f"{name:10} {reached} {best:6.3f} {history[-1].accuracy:6.3f} {per_round:8.3f}", flush=True)


if __name__ == "__main__":
    main()
