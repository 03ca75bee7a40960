"""FedAvg: local SGD from the server model, server takes the size-weighted mean."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from federated.algorithms.base import Algorithm, Arrays, DeviceReply, DeviceTask, weighted_mean
from federated.local_sgd import LocalTrainingConfig, local_sgd
from federated.models import FlatModel


@dataclass
class FedAvg(Algorithm):
    name: str = "fedavg"

    def local_update(
        self,
        model: FlatModel,
        payload: Arrays,
        device_state: Arrays,
        x: np.ndarray,
        y: np.ndarray,
        task: DeviceTask,
        cfg: LocalTrainingConfig,
        rng: np.random.Generator,
    ) -> tuple[Arrays, Arrays, dict[str, float]]:
        result = local_sgd(model, payload["model"], x, y, cfg, rng)
        return {"model": result.params}, device_state, {"train_loss": result.mean_loss}

    def aggregate(self, state: Arrays, replies: list[DeviceReply]) -> Arrays:
        return {**state, "model": weighted_mean(replies, "model")}
