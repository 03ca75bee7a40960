"""The device side of a round: one device's data, model and local training, independent of the
transport.  Both backends call ``DeviceRunner.train`` so they compute the same thing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from federated.algorithms.base import Algorithm, Arrays, DeviceReply, DeviceTask
from federated.local_sgd import LocalTrainingConfig
from federated.models import FlatModel


def device_rng(seed: int, round_: int, device: int) -> np.random.Generator:
    """The mini-batch order of one device in one round depends only on (seed, round, device), so
    runs are reproducible whatever order or process the devices train in, and after a resume."""
    return np.random.default_rng([seed, 0x5EED, round_, device])


@dataclass
class DeviceRunner:
    algorithm: Algorithm
    model: FlatModel
    x: np.ndarray
    y: np.ndarray
    local: LocalTrainingConfig
    seed: int

    def train(self, payload: Arrays, task: DeviceTask, state: Arrays) -> tuple[DeviceReply, Arrays]:
        if not state:
            state = self.algorithm.init_device_state(self.model.n_params)
        rng = device_rng(self.seed, task.round, task.device)
        arrays, new_state, metrics = self.algorithm.local_update(
            self.model, payload, state, self.x, self.y, task, self.local, rng
        )
        reply = DeviceReply(device=task.device, n_samples=len(self.y), arrays=arrays, metrics=metrics)
        return reply, new_state
