"""Run the same algorithms on Flower's simulation engine (flwr 1.42, Ray backend).

The ServerApp drives the shared ``FederatedServer`` loop through a ``FlowerDispatcher`` that turns
each round into ``train`` messages; the ClientApp runs ``DeviceRunner.train`` and keeps the
device's persistent algorithm state (FedDyn's g_k, SCAFFOLD's c_k) in its ``context.state``.
Extra ``query`` actions let the server learn each node's partition id and export/import device
states for checkpoints.  Device sampling is done by the shared ``Participation`` object (seeded);
Python's ``random`` is seeded as well for anything inside Flower that samples.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from federated.algorithms.base import Algorithm, Arrays, DeviceReply, DeviceTask
from federated.blas_threads import single_blas_thread
from federated.device import DeviceRunner
from federated.local_sgd import LocalTrainingConfig
from federated.models import FlatModel
from federated.server import Dispatcher, FederatedServer

log = logging.getLogger(__name__)

STATE_KEY = "tinyhil_device_state"


class FlowerBackendError(RuntimeError):
    pass


def _to_record(arrays: Arrays):
    from flwr.app import Array, ArrayRecord

    return ArrayRecord({k: Array(np.ascontiguousarray(v)) for k, v in arrays.items()})


def _from_record(record) -> Arrays:
    return {k: np.array(v.numpy(), copy=True) for k, v in record.items()}


def make_client_app(
    algorithm: Algorithm,
    model: FlatModel,
    device_x: list[np.ndarray],
    device_y: list[np.ndarray],
    local: LocalTrainingConfig,
    seed: int,
):
    """A ClientApp whose node with partition id k plays device k."""
    from flwr.app import ConfigRecord, Context, Message, MetricRecord, RecordDict
    from flwr.clientapp import ClientApp

    app = ClientApp()

    def partition(context: Context) -> int:
        return int(context.node_config["partition-id"])

    @app.query("partition")
    def query_partition(msg: Message, context: Context) -> Message:
        return Message(RecordDict({"info": ConfigRecord({"device": partition(context)})}), reply_to=msg)

    @app.train()
    def train(msg: Message, context: Context) -> Message:
        device = partition(context)
        config = msg.content["config"]
        if int(config["device"]) != device:
            raise FlowerBackendError(f"node for device {device} received the task of device {config['device']}")
        task = DeviceTask(device=device, size_weight=float(config["size_weight"]), round=int(config["round"]))
        state = _from_record(context.state[STATE_KEY]) if STATE_KEY in context.state else {}
        runner = DeviceRunner(algorithm, model, np.asarray(device_x[device], np.float64), device_y[device], local, seed)
        with single_blas_thread():
            reply, new_state = runner.train(_from_record(msg.content["payload"]), task, state)
        context.state[STATE_KEY] = _to_record(new_state)
        metrics = {"n_samples": reply.n_samples, **{k: float(v) for k, v in reply.metrics.items()}}
        return Message(RecordDict({"reply": _to_record(reply.arrays), "metrics": MetricRecord(metrics)}), reply_to=msg)

    @app.query("export_state")
    def export_state(msg: Message, context: Context) -> Message:
        state = context.state[STATE_KEY] if STATE_KEY in context.state else _to_record({})
        return Message(
            RecordDict({"state": state, "info": ConfigRecord({"device": partition(context)})}), reply_to=msg
        )

    @app.query("import_state")
    def import_state(msg: Message, context: Context) -> Message:
        context.state[STATE_KEY] = msg.content["state"]
        return Message(RecordDict({"info": ConfigRecord({"device": partition(context)})}), reply_to=msg)

    return app


class FlowerDispatcher(Dispatcher):
    def __init__(self, grid, n_devices: int, wait_seconds: float = 120.0) -> None:
        self.grid = grid
        deadline = time.monotonic() + wait_seconds
        node_ids = list(grid.get_node_ids())
        while len(node_ids) < n_devices and time.monotonic() < deadline:
            time.sleep(0.2)  # supernodes register with the simulation engine after the ServerApp starts
            node_ids = list(grid.get_node_ids())
        if len(node_ids) != n_devices:
            raise FlowerBackendError(f"Flower federation has {len(node_ids)} nodes, expected {n_devices} devices")
        replies = self._send([(node, "query.partition", {}) for node in node_ids], group="setup")
        self.node_of: dict[int, int] = {}
        for node, reply in zip(node_ids, replies, strict=True):
            self.node_of[int(reply.content["info"]["device"])] = node
        if sorted(self.node_of) != list(range(n_devices)):
            raise FlowerBackendError(f"Flower nodes report partition ids {sorted(self.node_of)}, expected 0..{n_devices - 1}")
        self.trained: set[int] = set()

    def _send(self, items, group: str):
        from flwr.app import Message, RecordDict

        messages = []
        for node, message_type, content in items:
            messages.append(Message(content if isinstance(content, RecordDict) else RecordDict(content), dst_node_id=node,
                                    message_type=message_type, group_id=group))
        replies = list(self.grid.send_and_receive(messages))
        by_node = {}
        for reply in replies:
            if reply.has_error():
                raise FlowerBackendError(f"Flower node {reply.metadata.src_node_id}: {reply.error.reason}")
            by_node[reply.metadata.src_node_id] = reply
        missing = [node for node, _, _ in items if node not in by_node]
        if missing:
            raise FlowerBackendError(f"no reply from Flower nodes {missing}")
        return [by_node[node] for node, _, _ in items]

    def dispatch(self, payload: Arrays, tasks: list[DeviceTask]) -> list[DeviceReply]:
        from flwr.app import ConfigRecord

        record = _to_record(payload)
        items = []
        for task in tasks:
            config = ConfigRecord({"device": task.device, "size_weight": task.size_weight, "round": task.round})
            items.append((self.node_of[task.device], "train", {"payload": record, "config": config}))
        replies = self._send(items, group=str(tasks[0].round if tasks else 0))
        out = []
        for task, reply in zip(tasks, replies, strict=True):
            metrics = dict(reply.content["metrics"])
            n_samples = int(metrics.pop("n_samples"))
            out.append(DeviceReply(task.device, n_samples, _from_record(reply.content["reply"]), metrics))
            self.trained.add(task.device)
        return out

    def export_device_states(self) -> dict[int, Arrays]:
        devices = sorted(self.trained)
        replies = self._send([(self.node_of[k], "query.export_state", {}) for k in devices], group="export")
        return {k: _from_record(r.content["state"]) for k, r in zip(devices, replies, strict=True)}

    def import_device_states(self, states: dict[int, Arrays]) -> None:
        items = [(self.node_of[k], "query.import_state", {"state": _to_record(v)}) for k, v in sorted(states.items())]
        if items:
            self._send(items, group="import")
        self.trained = set(states)


@dataclass
class FlowerRunResult:
    server: FederatedServer | None = None
    error: BaseException | None = None
    extra: dict = field(default_factory=dict)


def run_flower_simulation(
    build_server: Callable[[Dispatcher], FederatedServer],
    client_app,
    n_devices: int,
    run: Callable[[FederatedServer], None],
    *,
    seed: int,
    num_cpus: int = 2,
) -> FederatedServer:
    """Start Flower's simulation engine with ``n_devices`` supernodes; the ServerApp builds the
    shared server loop around a FlowerDispatcher and calls ``run(server)``."""
    os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    from flwr.app import Context
    from flwr.serverapp import Grid, ServerApp
    from flwr.simulation import run_simulation

    result = FlowerRunResult()
    server_app = ServerApp()

    @server_app.main()
    def main(grid: Grid, context: Context) -> None:
        random.seed(seed)
        try:
            server = build_server(FlowerDispatcher(grid, n_devices))
            result.server = server
            run(server)
        except BaseException as exc:  # handed back to the caller's thread below
            result.error = exc

    backend_config = {
        "client_resources": {"num_cpus": 1, "num_gpus": 0.0},
        "init_args": {"num_cpus": num_cpus, "num_gpus": 0, "include_dashboard": False, "log_to_driver": False},
    }
    run_simulation(server_app=server_app, client_app=client_app, num_supernodes=n_devices, backend_config=backend_config)
    if result.error is not None:
        raise result.error
    if result.server is None:
        raise FlowerBackendError("Flower simulation ended before the server loop started (see Flower's log)")
    return result.server
