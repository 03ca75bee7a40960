"""A model with a closed-form local problem for hand-checked update rules.

Each device's rows all equal its target a_k, and the loss is 0.5 * mean ||theta - x_i||^2, so the
gradient is theta - a_k for any mini-batch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datasets.federated_dataset import FederatedDataset


@dataclass
class QuadraticModel:
    n_params: int

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        return np.zeros(self.n_params)

    def logits(self, params: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.stack([-((x - params) ** 2).sum(axis=1), np.zeros(len(x))], axis=1)

    def loss_and_grad(self, params: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        diff = params - x
        return 0.5 * float(np.mean((diff**2).sum(axis=1))), diff.mean(axis=0)


def quadratic_dataset(targets: np.ndarray, sizes: list[int]) -> FederatedDataset:
    xs = [np.tile(t, (n, 1)).astype(np.float64) for t, n in zip(targets, sizes, strict=True)]
    ys = [np.zeros(n, dtype=np.int64) for n in sizes]
    return FederatedDataset("quadratic", xs, ys, n_classes=2)
