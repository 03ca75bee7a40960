"""Per-layer-type latency model, fitted with non-negative least squares.

latency_ms = Σ_t c_t · Mops_t + c_layer · layers + c_0, with every coefficient ≥ 0: each layer type
(conv, depthwise, pointwise, fully connected, pooling/elementwise) has its own cost per Mop, each
layer a fixed cost (kernel call, im2col set-up, requantisation), and each inference a fixed cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from harness.latency.layer_types import LAYER_TYPES, canonical_layer_ops


@dataclass(frozen=True)
class LayerTypeModel:
    ms_per_mop: dict[str, float]  # by layer type
    ms_per_layer: float
    intercept_ms: float
    residual_std: float
    n: int

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        """``features`` as made by ``harness.latency.samples.layer_features``."""
        coef = np.array([self.ms_per_mop[t] for t in LAYER_TYPES] + [self.ms_per_layer])
        return np.asarray(features, dtype=float) @ coef + self.intercept_ms

    def predict(self, ops_by_layer_type: dict[str, float], layers: int) -> float:
        ops = canonical_layer_ops(ops_by_layer_type)
        row = np.array([[ops[t] / 1e6 for t in LAYER_TYPES] + [float(layers)]])
        return float(self.predict_features(row)[0])


def fit_layer_model(features: np.ndarray, y_ms: np.ndarray) -> LayerTypeModel:
    """NNLS on per-type Mops, layer count and a constant; columns are scaled for conditioning."""
    X = np.asarray(features, dtype=float)
    y = np.asarray(y_ms, dtype=float)
    n = len(y)
    if n < 2:
        raise ValueError(f"a per-layer-type model needs at least 2 measurements, got {n}")
    A = np.column_stack([X, np.ones(n)])
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1.0
    coef_scaled, _ = nnls(A / scale, y)
    coef = coef_scaled / scale
    resid = y - A @ coef
    used = int(np.count_nonzero(coef))
    dof = max(n - used, 1)
    k = len(LAYER_TYPES)
    return LayerTypeModel(
        ms_per_mop={t: float(coef[i]) for i, t in enumerate(LAYER_TYPES)},
        ms_per_layer=float(coef[k]),
        intercept_ms=float(coef[k + 1]),
        residual_std=float(np.sqrt(np.sum(resid**2) / dof)),
        n=n,
    )
