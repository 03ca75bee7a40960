"""Rounds to 97% / 98% accuracy per algorithm on the official FedDyn synthetic setting.

d=30, 5 classes, 20 devices x 200 points, 10% participation, alpha=0.01, 10 local epochs,
batch 10, lr 0.1, weight decay 1e-5, clipping at 10; accuracy on the union of all devices' data.
Official code (reference): FedDyn 49/75, SCAFFOLD 116/264, FedAvg 142/266, FedProx 152/266.

    PYTHONPATH=. python bench/federated_rounds.py [--rounds 300] [--seeds 0 1 2]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: threads only add overhead

import argparse  # noqa: E402
import time

from datasets.synthetic_feddyn import SyntheticSpec, generate_synthetic
from federated.experiment import ALL_ALGORITHMS, ExperimentSpec, run_experiment
from federated.metrics import rounds_to_accuracy
from federated.participation import Participation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--algorithms", nargs="+", default=list(ALL_ALGORITHMS))
    args = parser.parse_args()
    print(f"{'seed':>4} {'algorithm':10} {'to 97%':>7} {'to 98%':>7} {'acc@50':>7} {'acc@100':>8} {'final':>7} {'s/round':>8}")
    for seed in args.seeds:
        dataset = generate_synthetic(SyntheticSpec(seed=seed))
        for name in args.algorithms:
            spec = ExperimentSpec(algorithm=name, rounds=args.rounds, participation=Participation(0.1, seed=seed), seed=seed)
            started = time.perf_counter()
            history = run_experiment(spec, dataset, progress=False)
            per_round = (time.perf_counter() - started) / len(history)
            acc = {r.round: r.accuracy for r in history}
            print(
                f"{seed:>4} {name:10} {rounds_to_accuracy(history, 0.97) or '-':>7} {rounds_to_accuracy(history, 0.98) or '-':>7} "
                f"{acc.get(50, float('nan')):7.4f} {acc.get(100, float('nan')):8.4f} {history[-1].accuracy:7.4f} {per_round:8.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
