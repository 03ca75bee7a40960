"""The synthetic multinomial-logistic data of the FedDyn paper's synthetic example.

Device i draws ``x ~ N(mu_i, diag(j^-1.2))`` for j = 1..d and labels ``argmax(x W_i + b_i)``.
Heterogeneity knobs (all 0 in the official example):

* ``alpha``: spread of the device-specific solution means (W_i, b_i ~ N(u_i, 1), u_i ~ N(0, alpha));
  used unless ``shared_solution``.
* ``beta``: spread of the device-specific feature means (mu_i ~ N(B_i, 1), B_i ~ N(0, beta));
  used unless ``shared_features`` (then mu_i = 0).
* ``theta``: sigma of the lognormal device sizes around ``mean_size`` (0 gives equal sizes).

The official example uses one shared solution (W, b ~ N(0, 1)) and zero-mean features.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from datasets.federated_dataset import DatasetError, FederatedDataset


@dataclass(frozen=True)
class SyntheticSpec:
    n_features: int = 30
    n_classes: int = 5
    n_devices: int = 20
    mean_size: int = 200
    alpha: float = 0.0
    beta: float = 0.0
    theta: float = 0.0
    shared_solution: bool = True
    shared_features: bool = True
    seed: int = 0

    def validate(self) -> None:
        for name in ("n_features", "n_classes", "n_devices", "mean_size"):
            if getattr(self, name) < 1:
                raise DatasetError(f"synthetic spec: {name} must be >= 1, got {getattr(self, name)}")
        if self.n_classes < 2:
            raise DatasetError(f"synthetic spec: n_classes must be >= 2, got {self.n_classes}")
        for name in ("alpha", "beta", "theta"):
            if getattr(self, name) < 0:
                raise DatasetError(f"synthetic spec: {name} must be >= 0, got {getattr(self, name)}")

    def as_dict(self) -> dict:
        return asdict(self)


def feature_variances(n_features: int) -> np.ndarray:
    """diag(j^-1.2), j = 1..d."""
    return np.arange(1, n_features + 1, dtype=np.float64) ** -1.2


def device_sizes(spec: SyntheticSpec, rng: np.random.Generator) -> np.ndarray:
    """Lognormal sizes around ``mean_size`` with sigma ``theta``; equal sizes when theta = 0.
    Every device keeps at least one point."""
    raw = rng.lognormal(mean=np.log(spec.mean_size + 1e-3), sigma=spec.theta, size=spec.n_devices)
    return np.maximum(raw.astype(np.int64), 1)


def generate_synthetic(spec: SyntheticSpec | None = None) -> FederatedDataset:
    """Generate the data set; identical for identical specs (the spec's seed drives everything)."""
    spec = spec or SyntheticSpec()
    spec.validate()
    rng = np.random.default_rng(spec.seed)
    d, c, m = spec.n_features, spec.n_classes, spec.n_devices
    sizes = device_sizes(spec, rng)
    solution_means = rng.normal(0.0, spec.alpha, m) if spec.alpha > 0 else np.zeros(m)
    feature_offsets = rng.normal(0.0, spec.beta, m) if spec.beta > 0 else np.zeros(m)
    if spec.shared_features:
        feature_means = np.zeros((m, d))
    else:
        feature_means = rng.normal(feature_offsets[:, None], 1.0, (m, d))
    shared_w = rng.normal(0.0, 1.0, (d, c))
    shared_b = rng.normal(0.0, 1.0, c)
    std = np.sqrt(feature_variances(d))
    xs, ys = [], []
    for i in range(m):
        if spec.shared_solution:
            w, b = shared_w, shared_b
        else:
            w = rng.normal(solution_means[i], 1.0, (d, c))
            b = rng.normal(solution_means[i], 1.0, c)
        x = feature_means[i] + rng.standard_normal((int(sizes[i]), d)) * std
        xs.append(x.astype(np.float32))
        ys.append(np.argmax(x @ w + b, axis=1).astype(np.int64))
    name = (
        f"synthetic-d{d}-c{c}-m{m}-n{spec.mean_size}-a{spec.alpha:g}-b{spec.beta:g}-t{spec.theta:g}"
        f"{'-sharedW' if spec.shared_solution else ''}{'-sharedmu' if spec.shared_features else ''}-s{spec.seed}"
    )
    return FederatedDataset(name=name, device_x=xs, device_y=ys, n_classes=c)
