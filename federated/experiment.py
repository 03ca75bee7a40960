"""Assemble a run from a spec: data set, model, algorithm, backend, checkpoint/resume."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from datasets.federated_dataset import FederatedDataset
from federated.algorithms import make_algorithm
from federated.algorithms.base import Algorithm
from federated.blas_threads import single_blas_thread
from federated.inprocess import InProcessDispatcher
from federated.local_sgd import LocalTrainingConfig
from federated.metrics import RoundMetrics
from federated.models import MLP, FlatModel, LogisticRegression
from federated.participation import Participation
from federated.server import Dispatcher, FederatedServer, RunConfig

log = logging.getLogger(__name__)

ALL_ALGORITHMS = ("feddyn", "scaffold", "fedavg", "fedprox")

# The official FedDyn synthetic example's defaults.
DEFAULT_HYPERPARAMETERS: dict[str, dict] = {
    "feddyn": {"alpha": 1e-2},
    "fedavg": {},
    "fedprox": {"mu": 1e-4},
    "scaffold": {"global_lr": 1.0},
}


@dataclass
class ExperimentSpec:
    algorithm: str = "feddyn"
    rounds: int = 100
    model: str = "logistic"  # "logistic", "mlp:H1,H2,..." or "spec:NAME_OR_JSON" (search_space)
    local: LocalTrainingConfig = field(default_factory=LocalTrainingConfig)
    participation: Participation = field(default_factory=Participation)
    seed: int = 0
    hyperparameters: dict = field(default_factory=dict)
    backend: str = "inprocess"

    def algorithm_params(self) -> dict:
        return {**DEFAULT_HYPERPARAMETERS.get(self.algorithm, {}), **self.hyperparameters}


def build_model(spec: ExperimentSpec, dataset: FederatedDataset) -> FlatModel:
    n_in = int(np.prod(dataset.feature_shape))
    if spec.model == "logistic":
        return LogisticRegression(n_in, dataset.n_classes)
    if spec.model.startswith("mlp:"):
        try:
            hidden = tuple(int(h) for h in spec.model[4:].split(",") if h)
        except ValueError:
            raise ValueError(f"model {spec.model!r}: expected mlp:H1,H2,... with integer widths") from None
        return MLP((n_in, *hidden, dataset.n_classes))
    if spec.model.startswith("spec:"):
        return search_space_model(spec.model[5:], dataset, spec.seed)
    raise ValueError(f"unknown model {spec.model!r} (expected 'logistic', 'mlp:H1,H2,...' or 'spec:NAME_OR_JSON')")


def search_space_model(ref: str, dataset: FederatedDataset, seed: int) -> FlatModel:
    """A Keras model built by ``search_space`` from a fixed spec name or an ArchSpec JSON file."""
    from federated.keras_model import KerasFlatModel
    from search_space.fixed import fixed_spec, list_fixed
    from search_space.keras_builder import build_keras_model
    from search_space.spec import ArchSpec

    arch = fixed_spec(ref) if ref in list_fixed() else ArchSpec.load(ref)
    n_in = int(np.prod(dataset.feature_shape))
    if int(np.prod(arch.input_shape)) != n_in:
        raise ValueError(f"model spec {ref!r}: input shape {list(arch.input_shape)} does not hold the data set's "
                         f"{n_in} features per item")
    if arch.num_classes < dataset.n_classes:
        raise ValueError(f"model spec {ref!r}: {arch.num_classes} classes, the data set has {dataset.n_classes}")
    return KerasFlatModel(lambda: build_keras_model(arch, seed=seed), outputs_probabilities=True,
                          input_shape=tuple(arch.input_shape))


def run_config(spec: ExperimentSpec, algorithm: Algorithm, dataset: FederatedDataset, model: FlatModel) -> RunConfig:
    return RunConfig(
        algorithm=algorithm.name,
        hyperparameters=algorithm.hyperparameters(),
        local=spec.local,
        participation=spec.participation,
        seed=spec.seed,
        dataset=dataset.name,
        n_devices=dataset.n_devices,
        n_params=model.n_params,
        extra={"model": spec.model},
    )


def build_server(
    spec: ExperimentSpec, dataset: FederatedDataset, dispatcher_factory=None, model: FlatModel | None = None
) -> tuple[FederatedServer, Algorithm, FlatModel]:
    spec.local.validate()
    spec.participation.validate(dataset.n_devices)
    algorithm = make_algorithm(spec.algorithm, **spec.algorithm_params())
    model = model or build_model(spec, dataset)
    eval_x, eval_y = dataset.evaluation_set()
    dispatcher: Dispatcher = (
        dispatcher_factory(algorithm, model)
        if dispatcher_factory
        else InProcessDispatcher(algorithm, model, dataset, spec.local, spec.seed)
    )
    server = FederatedServer(
        algorithm, model, dispatcher, run_config(spec, algorithm, dataset, model), dataset.sizes,
        np.asarray(eval_x, np.float64), eval_y,
    )
    return server, algorithm, model


def run_experiment(spec: ExperimentSpec, dataset: FederatedDataset, **kwargs) -> list[RoundMetrics]:
    """Train ``spec.rounds`` rounds on the chosen backend and return the per-round history
    (keyword arguments as for ``run_experiment_server``)."""
    return run_experiment_server(spec, dataset, **kwargs).history


def run_experiment_server(
    spec: ExperimentSpec,
    dataset: FederatedDataset,
    *,
    checkpoint: Path | None = None,
    resume: bool = False,
    checkpoint_every: int = 1,
    progress: bool = True,
    on_round=None,
    model: FlatModel | None = None,
) -> FederatedServer:
    """Train ``spec.rounds`` rounds on the chosen backend; returns the server (state, history,
    model).  ``model`` overrides ``spec.model`` (e.g. a ``KerasFlatModel``)."""

    def drive(server: FederatedServer) -> None:
        if resume:
            if checkpoint is None:
                raise ValueError("--resume needs --checkpoint PATH")
            if checkpoint.exists():
                server.restore(checkpoint)
            else:
                log.warning("no checkpoint at %s; starting from round 0", checkpoint)
        server.run(spec.rounds, checkpoint=checkpoint, checkpoint_every=checkpoint_every, progress=progress,
                   on_round=on_round)

    if spec.backend == "inprocess":
        server, _, _ = build_server(spec, dataset, model=model)
        with single_blas_thread():
            drive(server)
        return server
    if spec.backend == "flower":
        from federated.flower_backend import FlowerDispatcher, make_client_app, run_flower_simulation

        algorithm = make_algorithm(spec.algorithm, **spec.algorithm_params())
        model = model or build_model(spec, dataset)
        client_app = make_client_app(algorithm, model, dataset.device_x, dataset.device_y, spec.local, spec.seed)

        def make(dispatcher: FlowerDispatcher) -> FederatedServer:
            server, _, _ = build_server(spec, dataset, dispatcher_factory=lambda a, m: dispatcher, model=model)
            return server

        return run_flower_simulation(make, client_app, dataset.n_devices, drive, seed=spec.seed)
    raise ValueError(f"unknown backend {spec.backend!r} (expected 'inprocess' or 'flower')")


def with_algorithm(spec: ExperimentSpec, name: str) -> ExperimentSpec:
    return replace(spec, algorithm=name, hyperparameters={})
