"""A data set split across devices: one (x, y) pair per device plus an evaluation set."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class DatasetError(ValueError):
    """A data set is malformed; the message names the source and what was expected."""


@dataclass
class FederatedDataset:
    """Per-device training data. ``eval_x``/``eval_y`` default to the union of all devices' data
    (the convention of the official FedDyn synthetic example)."""

    name: str
    device_x: list[np.ndarray]
    device_y: list[np.ndarray]
    n_classes: int
    device_names: list[str] = field(default_factory=list)
    eval_x: np.ndarray | None = None
    eval_y: np.ndarray | None = None

    def __post_init__(self) -> None:
        if len(self.device_x) != len(self.device_y):
            raise DatasetError(f"{self.name}: {len(self.device_x)} feature arrays but {len(self.device_y)} label arrays")
        if not self.device_x:
            raise DatasetError(f"{self.name}: no devices")
        if not self.device_names:
            self.device_names = [f"device-{k}" for k in range(len(self.device_x))]
        if len(self.device_names) != len(self.device_x):
            raise DatasetError(f"{self.name}: {len(self.device_names)} device names for {len(self.device_x)} devices")
        feature_shape = self.device_x[0].shape[1:]
        for k, (x, y) in enumerate(zip(self.device_x, self.device_y, strict=True)):
            where = f"{self.name}: device {k} ({self.device_names[k]})"
            if x.ndim < 2 or x.shape[1:] != feature_shape:
                raise DatasetError(f"{where}: features of shape {x.shape}, expected (n, {', '.join(map(str, feature_shape))})")
            if y.ndim != 1 or len(y) != len(x):
                raise DatasetError(f"{where}: labels of shape {y.shape}, expected ({len(x)},)")
            if len(y) and (y.min() < 0 or y.max() >= self.n_classes):
                raise DatasetError(f"{where}: labels outside 0..{self.n_classes - 1}")
        if (self.eval_x is None) != (self.eval_y is None):
            raise DatasetError(f"{self.name}: eval_x and eval_y must be given together")

    @property
    def n_devices(self) -> int:
        return len(self.device_x)

    @property
    def sizes(self) -> np.ndarray:
        return np.array([len(y) for y in self.device_y], dtype=np.int64)

    @property
    def feature_shape(self) -> tuple[int, ...]:
        return tuple(self.device_x[0].shape[1:])

    def union(self) -> tuple[np.ndarray, np.ndarray]:
        """All devices' training data stacked in device order."""
        return np.concatenate(self.device_x, axis=0), np.concatenate(self.device_y, axis=0)

    def evaluation_set(self) -> tuple[np.ndarray, np.ndarray]:
        if self.eval_x is not None and self.eval_y is not None:
            return self.eval_x, self.eval_y
        return self.union()
