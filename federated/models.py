"""Small models with hand-written gradients, working on one flat float64 parameter vector.

Every model offers ``n_params``, ``init_params(rng)``, ``logits(params, x)`` and
``loss_and_grad(params, x, y) -> (mean cross-entropy, gradient)``; the local solvers and the
algorithms only ever see flat vectors, so any model with this interface (including the Keras
adapter in ``federated.keras_model``) plugs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class FlatModel(Protocol):
    n_params: int

    def init_params(self, rng: np.random.Generator) -> np.ndarray: ...

    def logits(self, params: np.ndarray, x: np.ndarray) -> np.ndarray: ...

    def loss_and_grad(self, params: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]: ...


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy and its gradient with respect to the logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    loss = float(np.mean(np.log(s[:, 0]) - z[rows, y]))
    dz = e / s
    dz[rows, y] -= 1.0
    dz /= len(y)
    return loss, dz


def evaluate(model: FlatModel, params: np.ndarray, x: np.ndarray, y: np.ndarray, chunk: int = 8192) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) on a data set."""
    total_loss = 0.0
    correct = 0
    for start in range(0, len(y), chunk):
        xb, yb = x[start : start + chunk], y[start : start + chunk]
        out = model.logits(params, xb)
        loss, _ = softmax_cross_entropy(out, yb)
        total_loss += loss * len(yb)
        correct += int(np.sum(np.argmax(out, axis=1) == yb))
    return total_loss / len(y), correct / len(y)


@dataclass
class LogisticRegression:
    """Multinomial logistic regression: logits = x W + b (W: d x C, then b: C in the flat vector)."""

    n_features: int
    n_classes: int
    zero_init: bool = True

    @property
    def n_params(self) -> int:
        return self.n_features * self.n_classes + self.n_classes

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        if self.zero_init:
            return np.zeros(self.n_params)
        bound = 1.0 / np.sqrt(self.n_features)
        return rng.uniform(-bound, bound, self.n_params)

    def _split(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cut = self.n_features * self.n_classes
        return params[:cut].reshape(self.n_features, self.n_classes), params[cut:]

    def logits(self, params: np.ndarray, x: np.ndarray) -> np.ndarray:
        w, b = self._split(params)
        return x.reshape(len(x), -1) @ w + b

    def loss_and_grad(self, params: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        x = x.reshape(len(x), -1)
        w, b = self._split(params)
        loss, dz = softmax_cross_entropy(x @ w + b, y)
        grad = np.empty_like(params)
        cut = self.n_features * self.n_classes
        np.matmul(x.T, dz, out=grad[:cut].reshape(self.n_features, self.n_classes))
        grad[cut:] = dz.sum(axis=0)
        return loss, grad


@dataclass
class MLP:
    """Fully connected ReLU network; layer l stores W_l (in x out) then b_l in the flat vector."""

    layer_sizes: tuple[int, ...]  # (inputs, hidden..., classes)

    def __post_init__(self) -> None:
        if len(self.layer_sizes) < 2 or min(self.layer_sizes) < 1:
            raise ValueError(f"MLP layer_sizes must be at least (inputs, classes) and positive, got {self.layer_sizes}")
        self._slices: list[tuple[slice, tuple[int, int], slice]] = []
        offset = 0
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True):
            w = slice(offset, offset + n_in * n_out)
            offset += n_in * n_out
            b = slice(offset, offset + n_out)
            offset += n_out
            self._slices.append((w, (n_in, n_out), b))
        self._n = offset

    @property
    def n_params(self) -> int:
        return self._n

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        params = np.zeros(self._n)
        for w, (n_in, n_out), _ in self._slices:
            params[w] = rng.normal(0.0, np.sqrt(2.0 / n_in), n_in * n_out)
        return params

    def _forward(self, params: np.ndarray, x: np.ndarray) -> list[np.ndarray]:
        acts = [x.reshape(len(x), -1)]
        last = len(self._slices) - 1
        for i, (w, shape, b) in enumerate(self._slices):
            z = acts[-1] @ params[w].reshape(shape) + params[b]
            acts.append(z if i == last else np.maximum(z, 0.0))
        return acts

    def logits(self, params: np.ndarray, x: np.ndarray) -> np.ndarray:
        return self._forward(params, x)[-1]

    def loss_and_grad(self, params: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        acts = self._forward(params, x)
        loss, delta = softmax_cross_entropy(acts[-1], y)
        grad = np.empty_like(params)
        for i in range(len(self._slices) - 1, -1, -1):
            w, shape, b = self._slices[i]
            grad[w] = (acts[i].T @ delta).ravel()
            grad[b] = delta.sum(axis=0)
            if i:
                delta = (delta @ params[w].reshape(shape).T) * (acts[i] > 0)
        return loss, grad
