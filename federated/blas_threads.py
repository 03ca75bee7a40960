"""Run small-matrix NumPy training with one BLAS thread.

The federated NumPy models multiply tiny matrices thousands of times per round; OpenBLAS worker
threads only add synchronisation, and on a shared 2-core machine they made rounds 10-40x slower.
``single_blas_thread()`` switches numpy's bundled OpenBLAS to one thread for the duration of a
block and restores the previous setting; it does nothing if the library cannot be found.
"""

from __future__ import annotations

import ctypes
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

log = logging.getLogger(__name__)

_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads")


@lru_cache(maxsize=1)
def _openblas():
    import numpy  # noqa: F401 - make sure numpy's BLAS is loaded

    try:
        with open("/proc/self/maps") as fh:
            paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", fh.read())))
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
        getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
        if setter is not None and getter is not None:
            setter.argtypes = [ctypes.c_int]
            getter.restype = ctypes.c_int
            return setter, getter
    log.debug("OpenBLAS thread control not found; leaving BLAS threads as they are")
    return None


@contextmanager
def single_blas_thread() -> Iterator[None]:
    funcs = _openblas()
    if funcs is None:
        yield
        return
    setter, getter = funcs
    previous = int(getter())
    setter(1)
    try:
        yield
    finally:
        setter(previous)
