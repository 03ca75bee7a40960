"""Build the engine's C runtime and kernels for the host as a shared library (for tests and verify).

The same sources the firmware links (firmware_templates/engine/src) are compiled with the host gcc.
``dsp=True`` builds the Cortex-M DSP kernel variants with the intrinsics emulated in plain C
(th_acle_portable.h), so host tests exercise those code paths too. Results are cached under
``harness.paths.cache_dir()/engine`` by a hash of the sources, flags and compiler version.
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

ENGINE_DIR = FIRMWARE_DIR / "engine"
SRC_DIR = ENGINE_DIR / "src"
INCLUDE_DIR = ENGINE_DIR / "include"
HOST_DIR = ENGINE_DIR / "host"
WARN_FLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror"]


class HostBuildError(RuntimeError):
    """The host compiler failed; the message carries its diagnostics."""


def engine_sources() -> list[Path]:
    return sorted(SRC_DIR.glob("*.c")) + sorted(HOST_DIR.glob("*.c"))


def engine_headers() -> list[Path]:
    return sorted(INCLUDE_DIR.glob("*.h")) + sorted(HOST_DIR.glob("*.h"))


def _compiler() -> str:
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        raise HostBuildError(f"host C compiler {cc!r} not found")
    return cc


def _flags(dsp: bool, opt: str) -> list[str]:
    return [*WARN_FLAGS, opt, "-fPIC", "-shared", f"-DTH_USE_DSP={1 if dsp else 0}", f"-I{INCLUDE_DIR}", f"-I{HOST_DIR}"]


def build_host_library(dsp: bool = False, opt: str = "-O2") -> Path:
    """Compile (or reuse) the engine shared library; returns its path."""
    cc = _compiler()
    flags = _flags(dsp, opt)
    version = subprocess.run([cc, "--version"], capture_output=True, text=True, check=False).stdout.splitlines()[:1]
    h = hashlib.sha256()
    h.update(repr((flags, version)).encode())
    for path in engine_sources() + engine_headers():
        h.update(path.name.encode())
        h.update(path.read_bytes())
    digest = h.hexdigest()[:16]
    out_dir = cache_dir() / "engine"
    out_dir.mkdir(parents=True, exist_ok=True)
    lib = out_dir / f"libthengine-{'dsp' if dsp else 'ref'}-{digest}.so"
    if lib.exists():
        return lib
    fd, tmp_name = tempfile.mkstemp(prefix=lib.stem, suffix=".so.tmp", dir=out_dir)
    os.close(fd)
    cmd = [cc, *flags, "-o", tmp_name, *[str(p) for p in engine_sources()], "-lm"]
    log.info("building host engine: %s", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        Path(tmp_name).unlink(missing_ok=True)
        raise HostBuildError(f"host build of the engine failed:\n{proc.stderr.strip()}")
    os.replace(tmp_name, lib)
    return lib
