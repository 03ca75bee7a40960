"""FedDyn (Acar et al., ICLR 2021), with the official code's conventions.

Device k (active in round t) minimises  L_k(theta) - <g_k, theta> + (alpha_k/2)||theta - theta^{t-1}||^2,
then updates its state  g_k <- g_k - alpha_k (theta_k - theta^{t-1}).
Server:  h <- h - alpha (1/m) sum_{k in P_t} (theta_k - theta^{t-1})   (m = ALL devices),
         theta^t = mean_{k in P_t} theta_k - h / alpha.

alpha_k = alpha * mean(n) / n_k when ``size_scaled_alpha`` (the official code's choice for
unbalanced data; equal to alpha for equal sizes).  In the local SGD the alpha_k * theta part of the
quadratic is applied as weight decay (with the usual 1e-5) after gradient clipping, while the
linear part -g_k - alpha_k theta^{t-1} is clipped with the loss gradient, as in the official code.
The reported model is the plain mean of the active devices' models (``evaluate="active_mean"``,
official convention) or the server model theta^t (``evaluate="server"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from federated.algorithms.base import Algorithm, Arrays, DeviceReply, DeviceTask
from federated.local_sgd import LocalTrainingConfig, local_sgd
from federated.models import FlatModel


@dataclass
class FedDyn(Algorithm):
    alpha: float = 1e-2
    size_scaled_alpha: bool = True
    evaluate: str = "active_mean"
    name: str = "feddyn"

    def __post_init__(self) -> None:
        if self.alpha <= 0:
            raise ValueError(f"feddyn: alpha must be > 0, got {self.alpha}")
        if self.evaluate not in ("active_mean", "server"):
            raise ValueError(f"feddyn: evaluate must be 'active_mean' or 'server', got {self.evaluate!r}")

    def init_server_state(self, params: np.ndarray, sizes: np.ndarray) -> Arrays:
        state = super().init_server_state(params, sizes)
        state["h"] = np.zeros_like(state["model"])
        state["active_mean"] = state["model"].copy()
        return state

    def init_device_state(self, n_params: int) -> Arrays:
        return {"g": np.zeros(n_params)}

    def device_alpha(self, size_weight: float) -> float:
        return self.alpha / size_weight if self.size_scaled_alpha else self.alpha

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
        g = device_state["g"]
        alpha_k = self.device_alpha(task.size_weight)
        result = local_sgd(
            model, server, x, y, cfg, rng, linear=-g - alpha_k * server, decay=alpha_k + cfg.weight_decay
        )
        new_g = g - alpha_k * (result.params - server)
        return {"model": result.params}, {"g": new_g}, {"train_loss": result.mean_loss}

    def aggregate(self, state: Arrays, replies: list[DeviceReply]) -> Arrays:
        server = state["model"]
        m = len(state["sizes"])
        models = np.stack([r.arrays["model"] for r in replies])
        h = state["h"] - self.alpha / m * (models - server).sum(axis=0)
        active_mean = models.mean(axis=0)
        return {**state, "h": h, "active_mean": active_mean, "model": active_mean - h / self.alpha}

    def evaluation_params(self, state: Arrays) -> np.ndarray:
        return state["active_mean"] if self.evaluate == "active_mean" else state["model"]

    def hyperparameters(self) -> dict:
        return {"alpha": self.alpha, "size_scaled_alpha": self.size_scaled_alpha, "evaluate": self.evaluate}
