"""Versions of the tools a measurement depends on, recorded with every run."""

from __future__ import annotations

import functools
import shutil
import subprocess


@functools.cache
def qemu_version() -> str:
    qemu = shutil.which("qemu-system-arm")
    if not qemu:
        return ""
    out = subprocess.run([qemu, "--version"], capture_output=True, text=True, check=False).stdout
    return out.splitlines()[0].strip() if out else ""
