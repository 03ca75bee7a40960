"""SCAFFOLD (Karimireddy et al., 2020) with control variates, option II, and a global learning rate.

Local steps use the corrected gradient grad L_k + c - c_k for K = epochs * ceil(mean(n)/B) steps
(the same number for every device); then
    c_k+ = c_k - c + (theta_server - theta_k) / (K * lr).
Server: theta <- global_lr * mean(theta_k) + (1 - global_lr) * theta;   c <- c + (1/m) sum dc_k.
For unbalanced data the official code scales c by n_k/mean(n); this is kept (weight 1 when balanced).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from federated.algorithms.base import Algorithm, Arrays, DeviceReply, DeviceTask
from federated.local_sgd import LocalTrainingConfig, local_sgd
from federated.models import FlatModel


@dataclass
class Scaffold(Algorithm):
    global_lr: float = 1.0
    name: str = "scaffold"

    def __post_init__(self) -> None:
        if self.global_lr <= 0:
            raise ValueError(f"scaffold: global_lr must be > 0, got {self.global_lr}")

    def init_server_state(self, params: np.ndarray, sizes: np.ndarray) -> Arrays:
        state = super().init_server_state(params, sizes)
        state["c"] = np.zeros_like(state["model"])
        return state

    def init_device_state(self, n_params: int) -> Arrays:
        return {"c": np.zeros(n_params)}

    def configure(self, state: Arrays) -> Arrays:
        return {"model": state["model"], "c": state["c"]}

    @staticmethod
    def local_steps(state_sizes_mean: float, cfg: LocalTrainingConfig) -> int:
        return int(cfg.epochs * np.ceil(state_sizes_mean / cfg.batch_size))

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
        server, c = payload["model"], payload["c"]
        c_k = device_state["c"]
        mean_size = len(y) / task.size_weight
        steps = self.local_steps(mean_size, cfg)
        result = local_sgd(model, server, x, y, cfg, rng, linear=c / task.size_weight - c_k, steps=steps)
        new_c_k = c_k - c + (server - result.params) / (steps * cfg.learning_rate)
        delta_c = (new_c_k - c_k) * task.size_weight
        return {"model": result.params, "delta_c": delta_c}, {"c": new_c_k}, {"train_loss": result.mean_loss}

    def aggregate(self, state: Arrays, replies: list[DeviceReply]) -> Arrays:
        m = len(state["sizes"])
        mean_model = np.mean([r.arrays["model"] for r in replies], axis=0)
        model = self.global_lr * mean_model + (1.0 - self.global_lr) * state["model"]
        c = state["c"] + np.sum([r.arrays["delta_c"] for r in replies], axis=0) / m
        return {**state, "model": model, "c": c}

    def hyperparameters(self) -> dict:
        return {"global_lr": self.global_lr}
