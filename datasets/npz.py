"""Load users' own per-device partitions from .npz files.

Two layouts are accepted:

* one file with keys ``x_0, y_0, x_1, y_1, ...`` (optionally ``eval_x``/``eval_y`` and a
  ``device_names`` string array);
* a directory of files, one per device (sorted by name), each with keys ``x`` and ``y``; an optional
  ``eval.npz`` in the same directory holds ``x``/``y`` for evaluation.

Labels must be non-negative integers; ``n_classes`` defaults to max label + 1.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np

from datasets.federated_dataset import DatasetError, FederatedDataset


def _open(path: Path):
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DatasetError(f"{path}: not a readable .npz file ({exc})") from None


def _get(archive, path: Path, key: str) -> np.ndarray:
    if key not in archive.files:
        raise DatasetError(f"{path}: missing key {key!r} (has {', '.join(sorted(archive.files)) or 'no keys'})")
    try:
        return archive[key]
    except ValueError as exc:
        raise DatasetError(f"{path}: key {key!r} cannot be read without pickle ({exc})") from None


def _check_pair(path: Path, xkey: str, ykey: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if x.ndim < 2:
        raise DatasetError(f"{path}: key {xkey!r} has shape {x.shape}, expected (n_items, features...)")
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise DatasetError(f"{path}: key {xkey!r} has dtype {x.dtype}, expected a real numeric type")
    if not np.all(np.isfinite(x)):
        raise DatasetError(f"{path}: key {xkey!r} contains NaN or infinite values")
    y = np.squeeze(y) if y.ndim == 2 and y.shape[1] == 1 else y
    if y.ndim != 1:
        raise DatasetError(f"{path}: key {ykey!r} has shape {y.shape}, expected (n_items,)")
    if not np.issubdtype(y.dtype, np.integer):
        raise DatasetError(f"{path}: key {ykey!r} has dtype {y.dtype}, expected integer class labels")
    if len(y) != len(x):
        raise DatasetError(f"{path}: key {ykey!r} has {len(y)} labels but {xkey!r} has {len(x)} rows")
    if len(y) == 0:
        raise DatasetError(f"{path}: key {ykey!r} is empty; every device needs at least one item")
    if y.min() < 0:
        raise DatasetError(f"{path}: key {ykey!r} has negative labels")
    return x.astype(np.float32), y.astype(np.int64)


def load_npz_partitions(path: str | Path, n_classes: int | None = None) -> FederatedDataset:
    path = Path(path)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    names: list[str] = []
    sources: list[Path] = []
    eval_x = eval_y = None
    if path.is_dir():
        files = sorted(p for p in path.glob("*.npz") if p.name != "eval.npz")
        if not files:
            raise DatasetError(f"{path}: no .npz device files in directory")
        for f in files:
            with _open(f) as archive:
                x, y = _check_pair(f, "x", "y", _get(archive, f, "x"), _get(archive, f, "y"))
            xs.append(x)
            ys.append(y)
            names.append(f.stem)
            sources.append(f)
        if (path / "eval.npz").exists():
            f = path / "eval.npz"
            with _open(f) as archive:
                eval_x, eval_y = _check_pair(f, "x", "y", _get(archive, f, "x"), _get(archive, f, "y"))
    else:
        with _open(path) as archive:
            ids = sorted(int(m.group(1)) for k in archive.files if (m := re.fullmatch(r"x_(\d+)", k)))
            if not ids:
                raise DatasetError(f"{path}: no device keys; expected x_0, y_0, x_1, y_1, ...")
            if ids != list(range(len(ids))):
                missing = sorted(set(range(max(ids) + 1)) - set(ids))
                raise DatasetError(f"{path}: device keys must be numbered from 0 without gaps; missing x_{missing[0]}")
            for k in ids:
                x, y = _check_pair(path, f"x_{k}", f"y_{k}", _get(archive, path, f"x_{k}"), _get(archive, path, f"y_{k}"))
                xs.append(x)
                ys.append(y)
                sources.append(path)
            if "device_names" in archive.files:
                raw = _get(archive, path, "device_names")
                if raw.shape != (len(ids),):
                    raise DatasetError(f"{path}: key 'device_names' has shape {raw.shape}, expected ({len(ids)},)")
                names = [str(n) for n in raw]
            else:
                names = [f"device-{k}" for k in ids]
            if ("eval_x" in archive.files) != ("eval_y" in archive.files):
                raise DatasetError(f"{path}: 'eval_x' and 'eval_y' must be given together")
            if "eval_x" in archive.files:
                eval_x, eval_y = _check_pair(
                    path, "eval_x", "eval_y", _get(archive, path, "eval_x"), _get(archive, path, "eval_y")
                )
    shape = xs[0].shape[1:]
    for src, key, x in zip(sources, names, xs, strict=True):
        if x.shape[1:] != shape:
            raise DatasetError(f"{src}: device {key!r} has feature shape {x.shape[1:]}, other devices have {shape}")
    if eval_x is not None and eval_x.shape[1:] != shape:
        raise DatasetError(f"{path}: evaluation features have shape {eval_x.shape[1:]}, devices have {shape}")
    top = max(int(y.max()) for y in ys + ([eval_y] if eval_y is not None else []))
    if n_classes is None:
        n_classes = top + 1
    elif top >= n_classes:
        raise DatasetError(f"{path}: label {top} found but n_classes is {n_classes}")
    return FederatedDataset(
        name=path.stem, device_x=xs, device_y=ys, n_classes=n_classes, device_names=names, eval_x=eval_x, eval_y=eval_y
    )


def save_npz_partitions(dataset: FederatedDataset, path: str | Path) -> Path:
    """Write a data set in the single-file layout (atomically)."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    for k, (x, y) in enumerate(zip(dataset.device_x, dataset.device_y, strict=True)):
        arrays[f"x_{k}"] = x
        arrays[f"y_{k}"] = y
    arrays["device_names"] = np.array(dataset.device_names)
    if dataset.eval_x is not None and dataset.eval_y is not None:
        arrays["eval_x"], arrays["eval_y"] = dataset.eval_x, dataset.eval_y
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)
    return path
