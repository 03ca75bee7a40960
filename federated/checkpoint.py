"""Atomic checkpoints: one .npz holding named arrays plus a JSON metadata record.

Written to a temporary file in the same directory, flushed to disk, then renamed over the target,
so a killed process leaves either the previous checkpoint or the new one, never a partial file.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from harness.atomic_io import atomic_path

META_KEY = "__meta__"


class CheckpointError(ValueError):
    pass


def save_checkpoint(path: str | Path, meta: dict, arrays: dict[str, np.ndarray]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if META_KEY in arrays:
        raise CheckpointError(f"{path}: array name {META_KEY!r} is reserved")
    payload = {k: np.asarray(v) for k, v in arrays.items()}
    payload[META_KEY] = np.array(json.dumps(meta, sort_keys=True))
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        np.savez(fh, **payload)
    return path


def load_checkpoint(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no checkpoint to resume from")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise CheckpointError(f"{path}: unreadable checkpoint ({exc})") from None
    if META_KEY not in arrays:
        raise CheckpointError(f"{path}: not a tinyhil federated checkpoint (no {META_KEY!r} record)")
    meta = json.loads(str(arrays.pop(META_KEY)))
    return meta, arrays
