"""FedProx: FedAvg with the proximal term (mu/2)||theta - theta_server||^2 in the local loss."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from federated.algorithms.base import Algorithm, Arrays, DeviceReply, DeviceTask, weighted_mean
from federated.local_sgd import LocalTrainingConfig, local_sgd
from federated.models import FlatModel


@dataclass
class FedProx(Algorithm):
    mu: float = 1e-4
    name: str = "fedprox"

    def __post_init__(self) -> None:
        if self.mu < 0:
            raise ValueError(f"fedprox: mu must be >= 0, got {self.mu}")

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
        server = payload["model"]
        result = local_sgd(model, server, x, y, cfg, rng, prox=self.mu, linear=-self.mu * server)
        return {"model": result.params}, device_state, {"train_loss": result.mean_loss}

    def aggregate(self, state: Arrays, replies: list[DeviceReply]) -> Arrays:
        return {**state, "model": weighted_mean(replies, "model")}

    def hyperparameters(self) -> dict:
        return {"mu": self.mu}
