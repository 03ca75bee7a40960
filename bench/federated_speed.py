"""Seconds per communication round per algorithm on the official FedDyn synthetic setting
(in-process NumPy backend; official PyTorch code: ~0.35 s per FedDyn round on this machine).

    PYTHONPATH=. python bench/federated_speed.py [--rounds 100] [--flower-rounds 3]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: threads only add overhead

import argparse  # noqa: E402
import time

from datasets.synthetic_feddyn import SyntheticSpec, generate_synthetic
from federated.experiment import ALL_ALGORITHMS, ExperimentSpec, run_experiment
from federated.participation import Participation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--flower-rounds", type=int, default=0,
                        help="also time the Flower backend for this many FedDyn rounds (includes Ray start-up)")
    args = parser.parse_args()
    dataset = generate_synthetic(SyntheticSpec())
    print(f"{'algorithm':10} {'backend':9} {'rounds':>6} {'s/round':>8} {'mean active':>11} {'steps/s':>9}")
    for name in ALL_ALGORITHMS:
        spec = ExperimentSpec(algorithm=name, rounds=args.rounds, participation=Participation(0.1))
        started = time.perf_counter()
        history = run_experiment(spec, dataset, progress=False)
        elapsed = time.perf_counter() - started
        active = sum(len(r.active_devices) for r in history) / len(history)
        steps = sum(len(r.active_devices) for r in history) * spec.local.epochs * 20
        print(f"{name:10} {'inprocess':9} {len(history):6d} {elapsed / len(history):8.4f} {active:11.2f} {steps / elapsed:9.0f}")
    if args.flower_rounds:
        os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
        spec = ExperimentSpec(algorithm="feddyn", rounds=args.flower_rounds, participation=Participation(0.1), backend="flower")
        started = time.perf_counter()
        history = run_experiment(spec, dataset, progress=False)
        elapsed = time.perf_counter() - started
        per_round = sum(r.seconds for r in history) / len(history)
        print(f"{'feddyn':10} {'flower':9} {len(history):6d} {per_round:8.4f}   (total with start-up {elapsed:.1f} s)")


if __name__ == "__main__":
    main()
