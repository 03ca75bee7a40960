"""The server loop shared by every backend: sample devices, send the algorithm's payload, aggregate
the replies, evaluate, record metrics and checkpoint the whole state atomically.

A backend only supplies a ``Dispatcher`` that delivers payloads to devices and returns replies,
and can export/import the devices' persistent states for checkpoints.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from federated.algorithms.base import Algorithm, Arrays, DeviceReply, DeviceTask, array_bytes
from federated.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from federated.local_sgd import LocalTrainingConfig
from federated.metrics import RoundMetrics
from federated.models import FlatModel, evaluate
from federated.participation import Participation

log = logging.getLogger(__name__)

CHECKPOINT_FORMAT = 1


class Dispatcher(ABC):
    """Delivers one round's payload to the active devices and collects their replies."""

    @abstractmethod
    def dispatch(self, payload: Arrays, tasks: list[DeviceTask]) -> list[DeviceReply]: ...

    @abstractmethod
    def export_device_states(self) -> dict[int, Arrays]:
        """Every device's persistent state (devices that never trained may be absent)."""

    @abstractmethod
    def import_device_states(self, states: dict[int, Arrays]) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release backend resources."""


@dataclass
class RunConfig:
    """Everything that determines a run's results (checked again on resume)."""

    algorithm: str
    hyperparameters: dict
    local: LocalTrainingConfig
    participation: Participation
    seed: int
    dataset: str
    n_devices: int
    n_params: int
    extra: dict = field(default_factory=dict)

    def fingerprint(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class FederatedServer:
    def __init__(
        self,
        algorithm: Algorithm,
        model: FlatModel,
        dispatcher: Dispatcher,
        config: RunConfig,
        sizes: np.ndarray,
        eval_x: np.ndarray,
        eval_y: np.ndarray,
        init_params: np.ndarray | None = None,
    ) -> None:
        self.algorithm = algorithm
        self.model = model
        self.dispatcher = dispatcher
        self.config = config
        self.eval_x = eval_x
        self.eval_y = eval_y
        if init_params is None:
            init_params = model.init_params(np.random.default_rng([config.seed, 0x1417]))
        self.state: Arrays = algorithm.init_server_state(init_params, np.asarray(sizes))
        self.round = 0
        self.history: list[RoundMetrics] = []

    # --- one round -------------------------------------------------------------------------
    def run_round(self) -> RoundMetrics:
        started = time.perf_counter()
        round_ = self.round + 1
        active = self.config.participation.sample(round_, self.config.n_devices)
        payload = self.algorithm.configure(self.state)
        tasks = [self.algorithm.task(self.state, int(k), round_) for k in active]
        replies = sorted(self.dispatcher.dispatch(payload, tasks), key=lambda r: r.device)
        if [r.device for r in replies] != [t.device for t in tasks]:
            raise RuntimeError(f"round {round_}: replies from devices {[r.device for r in replies]}, expected {list(active)}")
        self.state = self.algorithm.aggregate(self.state, replies)
        loss, acc = evaluate(self.model, self.algorithm.evaluation_params(self.state), self.eval_x, self.eval_y)
        self.round = round_
        record = RoundMetrics(
            round=round_,
            accuracy=acc,
            loss=loss,
            active_devices=[int(k) for k in active],
            bytes_down=array_bytes(payload) * len(tasks),
            bytes_up=sum(array_bytes(r.arrays) for r in replies),
            train_loss=float(np.mean([r.metrics.get("train_loss", np.nan) for r in replies])),
            seconds=time.perf_counter() - started,
        )
        self.history.append(record)
        return record

    def run(
        self,
        rounds: int,
        *,
        checkpoint: Path | None = None,
        checkpoint_every: int = 1,
        progress: bool = True,
        on_round: Callable[[RoundMetrics], None] | None = None,
    ) -> list[RoundMetrics]:
        """Train until ``rounds`` rounds in total have been done (so a resumed run continues)."""
        from tqdm import tqdm

        bar = tqdm(
            total=rounds, initial=self.round, desc=self.algorithm.name, disable=not progress, leave=False, unit="round"
        )
        try:
            while self.round < rounds:
                record = self.run_round()
                bar.update(1)
                bar.set_postfix(acc=f"{record.accuracy:.4f}")
                if on_round:
                    on_round(record)
                if checkpoint and (self.round % checkpoint_every == 0 or self.round == rounds):
                    self.save(checkpoint)
        finally:
            bar.close()
        return self.history

    # --- checkpoints -----------------------------------------------------------------------
    def save(self, path: Path) -> Path:
        arrays: dict[str, np.ndarray] = {f"server/{k}": v for k, v in self.state.items()}
        for device, state in self.dispatcher.export_device_states().items():
            for k, v in state.items():
                arrays[f"device/{device}/{k}"] = v
        meta = {
            "format": CHECKPOINT_FORMAT,
            "round": self.round,
            "fingerprint": self.config.fingerprint(),
            "config": json.loads(json.dumps(asdict(self.config), default=str)),
            "history": [r.as_dict() for r in self.history],
            # All randomness is derived from (seed, round, device), so the seed and round are the
            # complete RNG state; both are stored.
            "rng": {"seed": self.config.seed, "participation_seed": self.config.participation.seed, "round": self.round},
        }
        path = save_checkpoint(path, meta, arrays)
        log.info("checkpoint %s at round %d", path, self.round)
        return path

    def restore(self, path: Path) -> None:
        meta, arrays = load_checkpoint(path)
        if meta.get("format") != CHECKPOINT_FORMAT:
            raise CheckpointError(f"{path}: checkpoint format {meta.get('format')}, expected {CHECKPOINT_FORMAT}")
        if meta.get("fingerprint") != self.config.fingerprint():
            raise CheckpointError(
                f"{path}: checkpoint was written by a different configuration "
                f"({meta.get('config', {}).get('algorithm')}, fingerprint {meta.get('fingerprint')}); "
                f"expected fingerprint {self.config.fingerprint()}"
            )
        state: Arrays = {}
        devices: dict[int, Arrays] = {}
        for key, value in arrays.items():
            parts = key.split("/")
            if parts[0] == "server" and len(parts) == 2:
                state[parts[1]] = value
            elif parts[0] == "device" and len(parts) == 3:
                devices.setdefault(int(parts[1]), {})[parts[2]] = value
            else:
                raise CheckpointError(f"{path}: unexpected array {key!r}")
        missing = set(self.state) - set(state)
        if missing:
            raise CheckpointError(f"{path}: server state lacks {sorted(missing)}")
        self.state = state
        self.dispatcher.import_device_states(devices)
        self.round = int(meta["round"])
        self.history = [RoundMetrics(**r) for r in meta["history"]]
        log.info("resumed from %s at round %d", path, self.round)
