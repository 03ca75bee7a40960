"""Errors of the DUT protocol client. Each one carries the recent console lines and the log path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class DutError(RuntimeError):
    """Something went wrong talking to a device under test."""

    def __init__(self, message: str, *, recent: Sequence[str] = (), log_path: Path | None = None):
        self.recent = list(recent)
        self.log_path = log_path
        detail = message
        if self.recent:
            detail += "\n  last console lines:\n" + "\n".join(f"    | {line}" for line in self.recent)
        if log_path is not None:
            detail += f"\n  console log: {log_path}"
        super().__init__(detail)
        self.short = message


class DutTimeout(DutError):
    """The DUT did not answer in time."""


class DutDisconnected(DutError):
    """The serial link closed (for a twin: QEMU exited)."""


class DutCommandError(DutError):
    """The DUT answered a command with e-[...] lines."""

    def __init__(self, command: str, errors: Sequence[str], **kwargs):
        self.command = command
        self.errors = list(errors)
        super().__init__(f"DUT rejected {command!r}: {'; '.join(self.errors)}", **kwargs)


class DutProtocolError(DutError):
    """The DUT's reply did not have the expected form."""
