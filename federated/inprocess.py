"""The fast backend: every device trains in this process, one after another."""

from __future__ import annotations

import numpy as np

from datasets.federated_dataset import FederatedDataset
from federated.algorithms.base import Algorithm, Arrays, DeviceReply, DeviceTask
from federated.device import DeviceRunner
from federated.local_sgd import LocalTrainingConfig
from federated.models import FlatModel
from federated.server import Dispatcher


class InProcessDispatcher(Dispatcher):
    def __init__(
        self, algorithm: Algorithm, model: FlatModel, dataset: FederatedDataset, local: LocalTrainingConfig, seed: int
    ) -> None:
        self.runners = [
            DeviceRunner(algorithm, model, np.asarray(x, dtype=np.float64), y, local, seed)
            for x, y in zip(dataset.device_x, dataset.device_y, strict=True)
        ]
        self.states: dict[int, Arrays] = {}

    def dispatch(self, payload: Arrays, tasks: list[DeviceTask]) -> list[DeviceReply]:
        replies = []
        for task in tasks:
            reply, self.states[task.device] = self.runners[task.device].train(payload, task, self.states.get(task.device, {}))
            replies.append(reply)
        return replies

    def export_device_states(self) -> dict[int, Arrays]:
        return {k: dict(v) for k, v in self.states.items()}

    def import_device_states(self, states: dict[int, Arrays]) -> None:
        self.states = {int(k): dict(v) for k, v in states.items()}
