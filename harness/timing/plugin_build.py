"""Build the timing plugin (firmware_templates/qemu_plugin) with the host C compiler, cached by content.

The shared library lands in ``cache_dir()/qemu_plugin/<hash>/libtinyhil_timing.so`` where the hash
covers every source and header and the compiler command, so an edited source is rebuilt and an
unchanged one is reused across runs and processes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.paths import FIRMWARE_DIR, cache_dir

log = logging.getLogger(__name__)

PLUGIN_SOURCE_DIR = FIRMWARE_DIR / "qemu_plugin"
LIBRARY_NAME = "libtinyhil_timing.so"
CFLAGS = ["-std=c11", "-O2", "-shared", "-fPIC", "-Wall", "-Wextra", "-Werror"]


class PluginBuildError(RuntimeError):
    """The plugin could not be compiled; the message carries the compiler's output."""


def _sources(source_dir: Path) -> tuple[list[Path], list[Path]]:
    c_files = sorted(source_dir.glob("*.c"))
    headers = sorted(source_dir.glob("*.h"))
    if not c_files:
        raise PluginBuildError(f"{source_dir}: no C sources for the timing plugin")
    return c_files, headers


def _compiler() -> str:
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        raise PluginBuildError(f"host C compiler {cc!r} not found (set CC or install gcc)")
    return cc


def plugin_library(source_dir: Path = PLUGIN_SOURCE_DIR, *, force: bool = False) -> Path:
    """Path of the built plugin, compiling it first if no build of these exact sources is cached."""
    c_files, headers = _sources(source_dir)
    cc = _compiler()
    digest = hashlib.sha256()
    digest.update(" ".join([cc, *CFLAGS]).encode())
    for path in c_files + headers:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    out_dir = cache_dir() / "qemu_plugin" / digest.hexdigest()[:16]
    library = out_dir / LIBRARY_NAME
    if library.exists() and not force:
        return library
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".build-", suffix=".so", dir=out_dir)
    os.close(fd)
    cmd = [cc, *CFLAGS, f"-I{source_dir}", "-o", tmp_name, *map(str, c_files)]
    log.info("building timing plugin: %s", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        Path(tmp_name).unlink(missing_ok=True)
        raise PluginBuildError(f"building the timing plugin from {source_dir} failed:\n{proc.stderr.strip()}")
    os.replace(tmp_name, library)  # atomic: concurrent builders each produce the same file
    return library
