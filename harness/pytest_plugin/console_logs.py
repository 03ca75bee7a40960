"""Each test's share of a board's console log, saved in the log directory next to the test.

A target keeps one console log per connection (a twin gets a new QEMU, and so a new log, per
plan) under its work directory. Before a test the plugin notes how long every log is; after it,
whatever was appended (and any log that appeared) is the test's console, concatenated in order.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.atomic_io import write_text_atomic

LOG_NAME = "console.log"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.@=+-]+")


def snapshot(workdir: Path) -> dict[Path, int]:
    """The current size of every console log under ``workdir``."""
    if not workdir.is_dir():
        return {}
    return {p: p.stat().st_size for p in workdir.rglob(LOG_NAME)}


def _session_order(path: Path) -> tuple[int, float, str]:
    # Twin sessions live in numbered directories (00001-..., 00002-...): that is their order.
    head = path.parent.name.split("-", 1)[0]
    return (int(head) if head.isdigit() else 0, path.stat().st_mtime, str(path))


def new_console_text(workdir: Path, before: dict[Path, int]) -> str:
    """What the console logs under ``workdir`` gained since ``before``."""
    if not workdir.is_dir():
        return ""
    parts = []
    for path in sorted(workdir.rglob(LOG_NAME), key=_session_order):
        start = before.get(path, 0)
        with path.open("rb") as f:
            f.seek(start)
            chunk = f.read()
        if chunk:
            parts.append(f"# {path.parent.name}\n" + chunk.decode("utf-8", "replace"))
    return "".join(parts)


def per_test_log_dir(logdir: Path, nodeid: str) -> Path:
    """``logdir/<node id made a safe file name>``: one directory per test."""
    return logdir / _UNSAFE.sub("_", nodeid).strip("_")[:200]


def per_test_log_path(logdir: Path, nodeid: str, target_name: str) -> Path:
    return per_test_log_dir(logdir, nodeid) / f"{_UNSAFE.sub('_', target_name)}.console.log"


def write_atomically(path: Path, text: str) -> None:
    write_text_atomic(path, text)
