"""Federated algorithms behind one interface (see ``base.Algorithm``)."""

from __future__ import annotations

from federated.algorithms.base import Algorithm, DeviceReply, DeviceTask
from federated.algorithms.fedavg import FedAvg
from federated.algorithms.feddyn import FedDyn
from federated.algorithms.fedprox import FedProx
from federated.algorithms.scaffold import Scaffold

ALGORITHMS: dict[str, type[Algorithm]] = {"feddyn": FedDyn, "fedavg": FedAvg, "fedprox": FedProx, "scaffold": Scaffold}


def make_algorithm(name: str, **params) -> Algorithm:
    """Build an algorithm by name with its hyperparameters (unknown names/params raise ValueError)."""
    try:
        cls = ALGORITHMS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown algorithm {name!r} (expected one of {', '.join(ALGORITHMS)})") from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise ValueError(f"algorithm {name!r}: bad hyperparameters {params}: {exc}") from None


__all__ = ["ALGORITHMS", "Algorithm", "DeviceReply", "DeviceTask", "FedAvg", "FedDyn", "FedProx", "Scaffold", "make_algorithm"]
