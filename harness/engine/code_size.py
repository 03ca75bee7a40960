"""Estimate the engine's flash footprint (code + read-only data) for a board's core.

Compiles the engine sources with arm-none-eabi-gcc using the firmware's flags and sums the sections
that land in flash. The op registry references every kernel, so the whole engine is counted. The
result is cached by source hash; None when the cross toolchain is not installed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.engine.host_build import INCLUDE_DIR, SRC_DIR
from harness.paths import cache_dir

log = logging.getLogger(__name__)

CORE_FLAGS = {
    "cortex-m4": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
    "cortex-m7": ["-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"],
}
COMMON = ["-O2", "-std=c11", "-ffunction-sections", "-fdata-sections"]


def engine_code_bytes(core: str = "cortex-m4", dsp: bool = True) -> int | None:
    cc, size = shutil.which("arm-none-eabi-gcc"), shutil.which("arm-none-eabi-size")
    if cc is None or size is None or core not in CORE_FLAGS:
        return None
    sources = sorted(SRC_DIR.glob("*.c"))
    h = hashlib.sha256(repr((core, dsp, COMMON)).encode())
    for p in sources + sorted(INCLUDE_DIR.glob("*.h")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    cache = cache_dir() / "engine" / f"code-size-{h.hexdigest()[:16]}.json"
    if cache.exists():
        return int(json.loads(cache.read_text())["bytes"])
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        objs = []
        for src in sources:
            obj = Path(tmp) / (src.stem + ".o")
            cmd = [cc, *CORE_FLAGS[core], *COMMON, f"-DTH_USE_DSP={int(dsp)}", f"-I{INCLUDE_DIR}", "-c", str(src),
                   "-o", str(obj)]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                log.warning("code size estimate: %s failed to build: %s", src.name, proc.stderr.strip()[:200])
                return None
            objs.append(str(obj))
        out = subprocess.run([size, "-B", *objs], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines()[1:]:
            fields = line.split()
            if len(fields) >= 2:
                total += int(fields[0]) + int(fields[1])  # text (incl. rodata) + initialised data
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = cache.with_suffix(".tmp")
    tmp_path.write_text(json.dumps({"bytes": total}))
    os.replace(tmp_path, cache)
    return total
