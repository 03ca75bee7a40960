"""Models given to the plugin's fixtures as a path, bytes or an already prepared model, compiled
once per session however many tests and boards use them."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from harness.runtime.model_prep import PreparedModel, prepare_model

ModelLike = PreparedModel | Path | str | bytes

_cache: dict[tuple, PreparedModel] = {}
_lock = threading.Lock()


def prepared(model: ModelLike) -> PreparedModel:
    """``model`` compiled and counted; a file's key is its resolved path, size and mtime."""
    if isinstance(model, PreparedModel):
        return model
    if isinstance(model, bytes | bytearray | memoryview):
        data = bytes(model)
        key: tuple = ("bytes", hashlib.sha256(data).hexdigest())
        source: bytes | Path = data
    else:
        path = Path(model).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such model file (expected a .tflite)")
        st = path.stat()
        key = ("file", str(path.resolve()), st.st_size, st.st_mtime_ns)
        source = path
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    made = prepare_model(source)
    with _lock:
        return _cache.setdefault(key, made)
