"""Mini-batch SGD on one device with the extra terms the algorithms add to the local objective.

Each step uses, following the official FedDyn code's PyTorch conventions:

    g = clip(grad L_batch(p) + prox * p + linear, clip_norm) + decay * p;   p <- p - lr * g

``prox``/``linear`` are part of the loss (so they are clipped with it), while ``decay`` is SGD
weight decay applied by the optimiser after clipping.  FedDyn puts alpha_k into ``decay`` and
``-g_k - alpha_k * server`` into ``linear``; FedProx uses ``prox = mu`` and ``linear = -mu * server``;
SCAFFOLD uses ``linear = c - c_k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from federated.models import FlatModel


@dataclass(frozen=True)
class LocalTrainingConfig:
    learning_rate: float = 0.1
    batch_size: int = 10
    epochs: int = 10
    weight_decay: float = 1e-5
    clip_norm: float = 10.0  # 0 disables clipping

    def validate(self) -> None:
        if self.learning_rate <= 0 or self.batch_size < 1 or self.epochs < 1:
            raise ValueError(f"local training: learning_rate > 0, batch_size >= 1 and epochs >= 1 expected, got {self}")
        if self.weight_decay < 0 or self.clip_norm < 0:
            raise ValueError(f"local training: weight_decay and clip_norm must be >= 0, got {self}")


@dataclass
class LocalResult:
    params: np.ndarray
    steps: int
    mean_loss: float


def local_sgd(
    model: FlatModel,
    start: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    cfg: LocalTrainingConfig,
    rng: np.random.Generator,
    *,
    linear: np.ndarray | None = None,
    prox: float = 0.0,
    decay: float | None = None,
    steps: int | None = None,
) -> LocalResult:
    """Run ``cfg.epochs`` shuffled passes (or exactly ``steps`` mini-batches when given)."""
    p = np.array(start, dtype=np.float64, copy=True)
    decay = cfg.weight_decay if decay is None else decay
    n = len(y)
    b = cfg.batch_size
    per_epoch = -(-n // b)
    total = steps if steps is not None else cfg.epochs * per_epoch
    lr = cfg.learning_rate
    clip = cfg.clip_norm
    loss_sum = 0.0
    done = 0
    while done < total:
        order = rng.permutation(n)
        for start_i in range(0, n, b):
            if done >= total:
                break
            idx = order[start_i : start_i + b]
            loss, g = model.loss_and_grad(p, x[idx], y[idx])
            if prox:
                g += prox * p
            if linear is not None:
                g += linear
            if clip:
                norm = float(np.sqrt(g @ g))
                if norm > clip:
                    g *= clip / (norm + 1e-6)
            if decay:
                g += decay * p
            p -= lr * g
            loss_sum += loss
            done += 1
    return LocalResult(params=p, steps=done, mean_loss=loss_sum / max(done, 1))
