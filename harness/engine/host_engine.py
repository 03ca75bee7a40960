"""Run a compiled plan through the host build of the C engine (ctypes)."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.engine.compiler import CompiledPlan
from harness.engine.host_build import build_host_library

_LIBS: dict[tuple[bool, str], ctypes.CDLL] = {}


class EngineError(RuntimeError):
    """The C engine refused the plan or a call; carries the TH_ERR_* code and its text."""

    def __init__(self, code: int, message: str):
        self.code = code
        super().__init__(f"engine error {code}: {message}")


class PlanInfo(ctypes.Structure):
    _fields_ = [
        ("format_version", ctypes.c_uint32),
        ("plan_bytes", ctypes.c_uint32),
        ("plan_crc32", ctypes.c_uint32),
        ("arena_bytes", ctypes.c_uint32),
        ("weights_bytes", ctypes.c_uint32),
        ("n_ops", ctypes.c_uint16),
        ("n_tensors", ctypes.c_uint16),
        ("input_bytes", ctypes.c_uint32),
        ("output_bytes", ctypes.c_uint32),
        ("input_type", ctypes.c_uint8),
        ("output_type", ctypes.c_uint8),
        ("reserved", ctypes.c_uint16),
    ]


def load_library(dsp: bool = False, path: Path | None = None) -> ctypes.CDLL:
    key = (dsp, str(path))
    if key in _LIBS:
        return _LIBS[key]
    lib = ctypes.CDLL(str(path or build_host_library(dsp=dsp)))
    u8p = ctypes.POINTER(ctypes.c_uint8)
    lib.th_strerror.restype = ctypes.c_char_p
    lib.th_strerror.argtypes = [ctypes.c_int]
    lib.th_engine_state_bytes.restype = ctypes.c_uint32
    lib.th_plan_validate.argtypes = [u8p, ctypes.c_uint32, ctypes.POINTER(PlanInfo)]
    lib.th_engine_init.argtypes = [ctypes.c_void_p, u8p, ctypes.c_uint32, u8p, ctypes.c_uint32]
    lib.th_engine_invoke.argtypes = [ctypes.c_void_p]
    lib.th_engine_invoke_until.argtypes = [ctypes.c_void_p, ctypes.c_uint16]
    lib.th_engine_input.restype = u8p
    lib.th_engine_input.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32)]
    lib.th_engine_output.restype = u8p
    lib.th_engine_output.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32)]
    lib.th_engine_tensor.argtypes = [ctypes.c_void_p, ctypes.c_uint16, ctypes.POINTER(u8p),
                                     ctypes.POINTER(ctypes.c_uint32)]
    _LIBS[key] = lib
    return lib


def _aligned_buffer(nbytes: int, align: int = 16) -> tuple[ctypes.Array, int]:
    raw = (ctypes.c_uint8 * (nbytes + align))()
    addr = ctypes.addressof(raw)
    pad = (-addr) % align
    return raw, pad


def validate_plan(blob: bytes, dsp: bool = False) -> tuple[int, PlanInfo]:
    """Run th_plan_validate on a plan; returns (code, info)."""
    lib = load_library(dsp)
    raw, pad = _aligned_buffer(max(len(blob), 1))
    ctypes.memmove(ctypes.addressof(raw) + pad, blob, len(blob))
    info = PlanInfo()
    ptr = ctypes.cast(ctypes.addressof(raw) + pad, ctypes.POINTER(ctypes.c_uint8))
    rc = lib.th_plan_validate(ptr, len(blob), ctypes.byref(info))
    return rc, info


@dataclass
class HostEngine:
    """A plan bound to a host engine instance with its own arena."""

    plan: CompiledPlan
    dsp: bool = False

    def __post_init__(self) -> None:
        self.lib = load_library(self.dsp)
        blob = self.plan.blob
        self._plan_raw, pad = _aligned_buffer(len(blob))
        self._plan_addr = ctypes.addressof(self._plan_raw) + pad
        ctypes.memmove(self._plan_addr, blob, len(blob))
        self._arena_raw, apad = _aligned_buffer(max(self.plan.arena_bytes, 4))
        self._arena_addr = ctypes.addressof(self._arena_raw) + apad
        self._state = (ctypes.c_uint8 * (self.lib.th_engine_state_bytes() + 16))()
        u8p = ctypes.POINTER(ctypes.c_uint8)
        rc = self.lib.th_engine_init(self._state, ctypes.cast(self._plan_addr, u8p), len(blob),
                                     ctypes.cast(self._arena_addr, u8p), max(self.plan.arena_bytes, 4))
        self._check(rc)

    def _check(self, rc: int) -> None:
        if rc != 0:
            raise EngineError(rc, self.lib.th_strerror(rc).decode())

    def _set_input(self, x: np.ndarray) -> None:
        spec = self.plan.input
        arr = np.ascontiguousarray(np.asarray(x).astype(spec.dtype, copy=False)).reshape(-1)
        n = ctypes.c_uint32()
        ptr = self.lib.th_engine_input(self._state, ctypes.byref(n))
        if arr.nbytes != n.value:
            raise ValueError(f"input has {arr.nbytes} bytes, the model expects {n.value} ({spec.shape} {spec.dtype})")
        ctypes.memmove(ptr, arr.ctypes.data, arr.nbytes)

    def run(self, x: np.ndarray) -> np.ndarray:
        """One inference: input array -> output array (model output shape and dtype)."""
        self._set_input(x)
        self._check(self.lib.th_engine_invoke(self._state))
        n = ctypes.c_uint32()
        ptr = self.lib.th_engine_output(self._state, ctypes.byref(n))
        data = ctypes.string_at(ptr, n.value)
        spec = self.plan.output
        return np.frombuffer(data, dtype=spec.dtype).reshape(spec.shape).copy()

    def tensor(self, index: int, shape: tuple[int, ...], dtype: str) -> np.ndarray:
        u8p = ctypes.POINTER(ctypes.c_uint8)
        ptr = u8p()
        n = ctypes.c_uint32()
        self._check(self.lib.th_engine_tensor(self._state, index, ctypes.byref(ptr), ctypes.byref(n)))
        return np.frombuffer(ctypes.string_at(ptr, n.value), dtype=dtype).reshape(shape).copy()

    def run_until(self, x: np.ndarray, last_op: int) -> None:
        self._set_input(x)
        self._check(self.lib.th_engine_invoke_until(self._state, last_op))

    def intermediates(self, x: np.ndarray, shapes: dict[int, tuple[tuple[int, ...], str]]) -> dict[int, np.ndarray]:
        """Every op's output tensors, each read right after the op that writes it (before reuse)."""
        out: dict[int, np.ndarray] = {}
        for op_index, outputs in enumerate(self.plan.op_outputs):
            self.run_until(x, op_index)
            for t in outputs:
                shape, dtype = shapes[t]
                out[t] = self.tensor(t, shape, dtype)
        return out
