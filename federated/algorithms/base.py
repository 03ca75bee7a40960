"""The algorithm interface shared by every backend (Flower-style strategy).

The server side holds a dict of arrays (its state) and offers ``configure`` (what to send to the
devices of a round) and ``aggregate`` (fold the devices' replies into a new state).  The device
side is ``local_update``: it receives the payload, its own persistent state (a dict of arrays it
keeps between rounds, e.g. FedDyn's g_k or SCAFFOLD's c_k) and its data, and returns the reply
and its new state.  Nothing else crosses the boundary, so the same object runs in process or as
a Flower ServerApp/ClientApp pair.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from federated.local_sgd import LocalTrainingConfig
from federated.models import FlatModel

Arrays = dict[str, np.ndarray]


@dataclass
class DeviceTask:
    """What a device is told for one round besides the arrays: its id, its size weight
    n_k / mean(n) and the round number (for seeding)."""

    device: int
    size_weight: float
    round: int


@dataclass
class DeviceReply:
    device: int
    n_samples: int
    arrays: Arrays
    metrics: dict[str, float] = field(default_factory=dict)


def array_bytes(arrays: Arrays) -> int:
    return int(sum(a.nbytes for a in arrays.values()))


class Algorithm(ABC):
    """One federated optimisation algorithm; subclasses are dataclasses of hyperparameters."""

    name: str = "algorithm"

    def init_server_state(self, params: np.ndarray, sizes: np.ndarray) -> Arrays:
        """State before round 1 from the initial model and all device sizes."""
        return {"model": np.array(params, dtype=np.float64), "sizes": np.asarray(sizes, dtype=np.float64)}

    def init_device_state(self, n_params: int) -> Arrays:
        return {}

    def configure(self, state: Arrays) -> Arrays:
        """Arrays sent to every active device this round."""
        return {"model": state["model"]}

    def task(self, state: Arrays, device: int, round_: int) -> DeviceTask:
        sizes = state["sizes"]
        return DeviceTask(device=device, size_weight=float(sizes[device] / sizes.mean()), round=round_)

    @abstractmethod
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
        """Returns (reply arrays, new device state, metrics)."""

    @abstractmethod
    def aggregate(self, state: Arrays, replies: list[DeviceReply]) -> Arrays:
        """New server state from the active devices' replies (sorted by device id)."""

    def evaluation_params(self, state: Arrays) -> np.ndarray:
        """The model whose accuracy is reported for the round."""
        return state["model"]

    def hyperparameters(self) -> dict:
        return {}


def weighted_mean(replies: list[DeviceReply], key: str) -> np.ndarray:
    weights = np.array([r.n_samples for r in replies], dtype=np.float64)
    stacked = np.stack([r.arrays[key] for r in replies])
    return (weights / weights.sum()) @ stacked
