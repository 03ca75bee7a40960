"""The numerical reference: the pinned tflite-micro host interpreter (TFLM reference kernels)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.engine.tflite_model import TfliteModel, read_tflite


def _runtime():  # imported lazily: the extension module is heavy
    from tflite_micro.python.tflite_micro import runtime

    return runtime


@contextlib.contextmanager
def _quiet_stderr():
    """TFLM prints allocation chatter on fd 2; keep it out of CLI output and test logs."""
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(fd, 2)
            os.close(fd)


@dataclass
class TflmOracle:
    """A TFLM interpreter over one model, keeping every intermediate tensor readable."""

    model_bytes: bytes
    arena_size: int | None = None

    def __post_init__(self) -> None:
        rt = _runtime()
        arena = self.arena_size or max(len(self.model_bytes) * 10, 1 << 20)
        with _quiet_stderr():
            self.interp = rt.Interpreter.from_bytes(
                self.model_bytes, arena_size=arena,
                intrepreter_config=rt.InterpreterConfig.kPreserveAllTensors,
            )
        self.model: TfliteModel = read_tflite(self.model_bytes)

    @classmethod
    def from_file(cls, path: str | Path) -> TflmOracle:
        return cls(Path(path).read_bytes())

    def run(self, x: np.ndarray) -> np.ndarray:
        t = self.model.tensors[self.model.inputs[0]]
        self.interp.set_input(np.asarray(x).astype(t.numpy_dtype).reshape(t.shape), 0)
        with _quiet_stderr():
            self.interp.invoke()
        return np.array(self.interp.get_output(0))

    def tensor(self, index: int) -> np.ndarray:
        """A tensor's value after the last run (preserve-all-tensors mode)."""
        value = self.interp.GetTensor(index, 0)
        if isinstance(value, dict):
            value = value["tensor_data"]
        return np.array(value)
