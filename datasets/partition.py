"""Split a centralised data set across devices: IID, Dirichlet class priors, lognormal sizes,
and natural partitions by a group key (speaker, machine, ...)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from datasets.federated_dataset import DatasetError, FederatedDataset


def equal_sizes(n_items: int, n_devices: int) -> np.ndarray:
    """``n_items // n_devices`` per device (the remainder is left out, as in the FedDyn code)."""
    if n_devices < 1 or n_items < n_devices:
        raise DatasetError(f"cannot split {n_items} items over {n_devices} devices")
    return np.full(n_devices, n_items // n_devices, dtype=np.int64)


def lognormal_sizes(n_items: int, n_devices: int, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Unbalanced device sizes: lognormal around ``n_items / n_devices`` with ``sigma``, rescaled to
    sum exactly to ``n_items`` with every device holding at least one item."""
    if sigma < 0:
        raise DatasetError(f"lognormal sigma must be >= 0, got {sigma}")
    if n_devices < 1 or n_items < n_devices:
        raise DatasetError(f"cannot split {n_items} items over {n_devices} devices")
    if sigma == 0:
        sizes = equal_sizes(n_items, n_devices)
        sizes[: n_items - sizes.sum()] += 1
        return sizes
    raw = rng.lognormal(mean=np.log(n_items / n_devices), sigma=sigma, size=n_devices)
    sizes = np.maximum((raw / raw.sum() * n_items).astype(np.int64), 1)
    # Settle the rounding difference on the largest devices, one item each.
    diff = int(n_items - sizes.sum())
    order = np.argsort(-sizes, kind="stable")
    step = 1 if diff > 0 else -1
    i = 0
    while diff != 0:
        k = order[i % n_devices]
        if step > 0 or sizes[k] > 1:
            sizes[k] += step
            diff -= step
        i += 1
    return sizes


def iid_partition(n_items: int, sizes: Sequence[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Consecutive chunks of one random permutation."""
    sizes = np.asarray(sizes, dtype=np.int64)
    if sizes.sum() > n_items:
        raise DatasetError(f"device sizes add up to {sizes.sum()} but only {n_items} items exist")
    perm = rng.permutation(n_items)
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    return [np.sort(perm[bounds[k] : bounds[k + 1]]) for k in range(len(sizes))]


def dirichlet_partition(
    labels: np.ndarray, sizes: Sequence[int], concentration: float, rng: np.random.Generator
) -> tuple[list[np.ndarray], np.ndarray]:
    """Class priors per device ~ Dirichlet(concentration); device sizes stay fixed.

    As in the FedDyn code: repeatedly pick a device that still needs data, draw a class from its
    prior (redrawing when that class is exhausted, i.e. drawing from the prior restricted to the
    classes left) and hand it the next unused item of the class.
    Returns the index lists and the drawn priors (devices x classes)."""
    labels = np.asarray(labels)
    if concentration <= 0:
        raise DatasetError(f"Dirichlet concentration must be > 0, got {concentration}")
    sizes = np.asarray(sizes, dtype=np.int64).copy()
    if sizes.sum() > len(labels):
        raise DatasetError(f"device sizes add up to {sizes.sum()} but only {len(labels)} items exist")
    n_classes = int(labels.max()) + 1
    priors = rng.dirichlet([concentration] * n_classes, size=len(sizes))
    pools = [list(rng.permutation(np.flatnonzero(labels == c))) for c in range(n_classes)]
    remaining = np.array([len(p) for p in pools])
    out: list[list[int]] = [[] for _ in sizes]
    need = sizes.copy()
    while need.sum() > 0:
        k = int(rng.integers(len(sizes)))
        if need[k] <= 0:
            continue
        # Redrawing until an unexhausted class comes up is the same as drawing from the prior
        # restricted to the classes left; do that directly so tiny priors cannot stall the loop.
        weights = priors[k] * (remaining > 0)
        if weights.sum() <= 0:
            weights = (remaining > 0).astype(np.float64)
        cumulative = np.cumsum(weights)
        c = min(int(np.searchsorted(cumulative, rng.uniform() * cumulative[-1], side="right")), n_classes - 1)
        while remaining[c] <= 0:  # guard against a zero-width bin at the boundary
            c = (c + 1) % n_classes
        remaining[c] -= 1
        out[k].append(int(pools[c][remaining[c]]))
        need[k] -= 1
    return [np.sort(np.array(idx, dtype=np.int64)) for idx in out], priors


def natural_partition(groups: Sequence) -> tuple[list[np.ndarray], list[str]]:
    """One device per distinct group key (sorted), e.g. a speaker or machine id."""
    keys = np.asarray([str(g) for g in groups])
    names = sorted(set(keys.tolist()))
    if not names:
        raise DatasetError("natural partition: no group keys")
    return [np.flatnonzero(keys == name) for name in names], names


def partition_dataset(
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_classes: int,
    scheme: str,
    n_devices: int | None = None,
    rng: np.random.Generator,
    concentration: float = 0.6,
    unbalanced_sigma: float = 0.0,
    groups: Sequence | None = None,
    name: str = "partitioned",
    eval_x: np.ndarray | None = None,
    eval_y: np.ndarray | None = None,
) -> FederatedDataset:
    """Build a FederatedDataset with ``scheme`` in {"iid", "dirichlet", "natural"}."""
    y = np.asarray(y, dtype=np.int64)
    if len(x) != len(y):
        raise DatasetError(f"{name}: {len(x)} feature rows but {len(y)} labels")
    if scheme == "natural":
        if groups is None or len(groups) != len(y):
            raise DatasetError(f"{name}: natural partition needs one group key per item")
        parts, names = natural_partition(groups)
    else:
        if not n_devices:
            raise DatasetError(f"{name}: scheme {scheme!r} needs n_devices")
        if unbalanced_sigma > 0:
            sizes = lognormal_sizes(len(y), n_devices, unbalanced_sigma, rng)
        else:
            sizes = equal_sizes(len(y), n_devices)
        if scheme == "iid":
            parts = iid_partition(len(y), sizes, rng)
        elif scheme == "dirichlet":
            parts, _ = dirichlet_partition(y, sizes, concentration, rng)
        else:
            raise DatasetError(f"{name}: unknown partition scheme {scheme!r} (expected iid, dirichlet or natural)")
        names = [f"device-{k}" for k in range(n_devices)]
    return FederatedDataset(
        name=name,
        device_x=[x[p] for p in parts],
        device_y=[y[p] for p in parts],
        n_classes=n_classes,
        device_names=names,
        eval_x=eval_x,
        eval_y=eval_y,
    )
