"""The ``dut`` fixture's object: one board as a test sees it.

It composes small layers in the manner of pytest-embedded: the board definition, the target that
drives it (twin or real board), its console (the DUT protocol client) and the models put on it.
Its expect helpers read console lines until a pattern turns up; when it does not, the error shows
the lines read while waiting, the recent console, and where the full console log is.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np

from harness.boards.schema import Board
from harness.dut.client import DutClient
from harness.dut.errors import DutTimeout
from harness.dut.records import Reply
from harness.pytest_plugin.models import ModelLike, prepared
from harness.pytest_plugin.selection import BoardSpec
from harness.runtime.model_prep import PreparedModel
from harness.runtime.targets import Target

_MAX_SHOWN_LINES = 40


class DutExpectTimeout(DutTimeout):
    """A pattern did not turn up on the console in time."""


class Dut:
    """One device under test: ``dut.expect(...)``, ``dut.command(...)``, ``dut.load(model)``, ``dut.run(model, x)``."""

    def __init__(self, spec: BoardSpec, target: Target, *, test_log: Path | None = None):
        self.spec = spec
        self.target = target
        self.test_log = test_log  # where this test's share of the console is saved at teardown

    # ---- what it is --------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """``board`` or ``board@twin``."""
        return self.target.name

    @property
    def board(self) -> Board:
        return self.target.board

    @property
    def is_twin(self) -> bool:
        return self.target.is_twin

    @property
    def firmware_hash(self) -> str:
        return self.target.image.hash

    def __repr__(self) -> str:
        return f"Dut({self.name})"

    # ---- console -----------------------------------------------------------------------------

    def boot(self) -> Dut:
        """Make sure the board runs the harness firmware and its console is open."""
        boot = getattr(self.target, "boot", None)
        if boot is not None:
            boot()
        return self

    @property
    def client(self) -> DutClient:
        """The DUT protocol client (booting the board first if nothing runs yet)."""
        self.boot()
        return self.target.client

    @property
    def console_lines(self) -> list[str]:
        return self.target.console_excerpt(_MAX_SHOWN_LINES).splitlines()

    @property
    def log_path(self) -> Path | None:
        """The full console log of the current connection."""
        return self.client.log_path

    def write(self, command: str) -> None:
        """Send ``command`` and its ``%`` terminator, without reading the reply (pair with expect)."""
        self.client.send_raw(command.encode("ascii") + b"%")

    def command(self, command: str, *, timeout: float | None = None, check: bool = True) -> Reply:
        """Send ``command`` and read its reply up to ``m-ready`` (``e-[...]`` raises when ``check``)."""
        return self.client.command(command, timeout=timeout, check=check)

    def expect(self, pattern: str | re.Pattern[str], timeout: float | None = None) -> re.Match[str]:
        """Read console lines until one contains a match for ``pattern`` (``re.search``); the match.

        Raises DutExpectTimeout after ``timeout`` seconds (default: the client's command timeout)
        with the lines read while waiting, the recent console and the log paths.
        """
        __tracebackhide__ = True
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        client = self.client
        limit = client.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        seen: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise DutTimeout("deadline")
                line = client.readline(timeout=remaining)
            except DutTimeout:
                raise self._expect_failed(f"no console line matching {regex.pattern!r} within {limit:.1f} s", seen) from None
            match = regex.search(line)
            if match:
                return match
            seen.append(line)

    def expect_exact(self, text: str, timeout: float | None = None) -> re.Match[str]:
        """Like :meth:`expect` for a literal piece of text."""
        __tracebackhide__ = True
        return self.expect(re.escape(text), timeout=timeout)

    def _expect_failed(self, message: str, seen: list[str]) -> DutExpectTimeout:
        shown = seen[-_MAX_SHOWN_LINES:]
        if len(seen) > len(shown):
            message += f" ({len(seen)} lines read while waiting; the last {len(shown)} below)"
        elif seen:
            message += f" ({len(seen)} lines read while waiting, below)"
        else:
            message += " (nothing read while waiting; recent console below)"
            shown = self.target.client.recent_lines[-_MAX_SHOWN_LINES:]
        # The per-test log outlives the run's connections; it is written when the test tears down.
        log_path = self.test_log if self.test_log is not None else self.target.client.log_path
        return DutExpectTimeout(f"{self.name}: {message}", recent=shown, log_path=log_path)

    # ---- models ------------------------------------------------------------------------------

    def load(self, model: ModelLike) -> PreparedModel:
        """Put ``model`` (a .tflite path, bytes or PreparedModel) on the board; the prepared model."""
        prepared_model = prepared(model)
        problem = self.target.fit_problem(prepared_model)
        if problem:
            from harness.runtime.profiler import ModelDoesNotFit

            raise ModelDoesNotFit(problem)
        self.target.load(prepared_model)
        return prepared_model

    def run(self, model: ModelLike, x: np.ndarray) -> np.ndarray:
        """Run ``model`` once on input ``x`` on the board; its output tensor (int8 or float32)."""
        prepared_model = self.load(model)
        spec = prepared_model.plan.input
        x = np.asarray(x, dtype=np.dtype(spec.dtype))
        if x.size != int(np.prod(spec.shape)):
            raise ValueError(
                f"{prepared_model.name}: input has {x.size} elements, expected {int(np.prod(spec.shape))} "
                f"(shape {tuple(spec.shape)})"
            )
        client = self.target.client
        client.load_input(np.ascontiguousarray(x).tobytes())
        result = client.infer(1, 0, timeout=300.0)
        out = prepared_model.plan.output
        if out.dtype == "int8":
            values = np.asarray(result.results, dtype=np.int8)
        else:  # the protocol prints floats with 3 decimals: read the output tensor's bytes instead
            dump = client.tensor(out.index, len(prepared_model.plan.ops) - 1)
            values = np.frombuffer(dump.data, dtype=np.dtype(out.dtype))
        return values.reshape(out.shape) if values.size == int(np.prod(out.shape)) else values
