"""Build EEMBC CoreMark bare-metal for a twin core with tinyhil's port layer (bench/coremark_port).

CoreMark's sources are not part of tinyhil: pass a checkout of https://github.com/eembc/coremark
(its top directory, holding core_main.c). Builds go to a work directory (default: the tinyhil cache).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.paths import cache_dir

PORT_DIR = Path(__file__).resolve().parent / "coremark_port"
COREMARK_SOURCES = ("core_list_join.c", "core_main.c", "core_matrix.c", "core_state.c", "core_util.c")
# The flags the calibration reports against Arm's published CoreMark/MHz (which used Arm's own
# compiler at its highest optimisation for speed; -flto stands in for its multi-file optimisation).
DEFAULT_FLAGS = "-O3 -flto -funroll-all-loops -finline-limit=2000"
CPU_FLAGS = {"M4": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft"], "M7": ["-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=soft"]}
BEGIN_SYMBOL = "tinyhil_coremark_begin"
END_SYMBOL = "tinyhil_coremark_end"


class CoreMarkBuildError(RuntimeError):
    pass


@dataclass(frozen=True)
class CoreMarkBuild:
    twin: str
    elf: Path
    iterations: int
    flags: str


def check_source_dir(src: Path) -> None:
    missing = [name for name in (*COREMARK_SOURCES, "coremark.h") if not (src / name).is_file()]
    if missing:
        raise CoreMarkBuildError(
            f"{src}: not a CoreMark source directory (missing {', '.join(missing)}); "
            "pass the top directory of a checkout of github.com/eembc/coremark"
        )


def build_coremark(src: Path, twin: str, iterations: int, flags: str = DEFAULT_FLAGS, work_dir: Path | None = None) -> CoreMarkBuild:
    src = Path(src).resolve()
    check_source_dir(src)
    if twin not in CPU_FLAGS:
        raise CoreMarkBuildError(f"twin {twin!r}: expected one of {sorted(CPU_FLAGS)}")
    if iterations <= 0:
        raise CoreMarkBuildError(f"iterations: expected a positive count, got {iterations}")
    cc = "arm-none-eabi-gcc"
    if shutil.which(cc) is None:
        raise CoreMarkBuildError(f"{cc} not found (install gcc-arm-none-eabi)")
    sources = [src / name for name in COREMARK_SOURCES] + [PORT_DIR / "core_portme.c"]
    cmd_flags = [
        *CPU_FLAGS[twin],
        *flags.split(),
        f"-DITERATIONS={iterations}",
        "-DPERFORMANCE_RUN=1",
        f'-DCOMPILER_FLAGS="{flags}"',
        f"-I{PORT_DIR}",
        f"-I{src}",
        "-T",
        str(PORT_DIR / "link.ld"),
        "-nostartfiles",
        "--specs=nano.specs",
        "--specs=nosys.specs",
    ]
    digest = hashlib.sha256(" ".join(cmd_flags).encode())
    for path in [*sources, PORT_DIR / "core_portme.h", PORT_DIR / "link.ld", src / "coremark.h"]:
        digest.update(path.read_bytes())
    out_dir = Path(work_dir) if work_dir else cache_dir() / "coremark"
    out_dir.mkdir(parents=True, exist_ok=True)
    elf = out_dir / f"coremark_{twin.lower()}_{digest.hexdigest()[:12]}.elf"
    if not elf.exists():
        tmp = elf.with_suffix(".tmp.elf")
        proc = subprocess.run([cc, *cmd_flags, *map(str, sources), "-o", str(tmp)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise CoreMarkBuildError(f"building CoreMark for {twin} failed:\n{proc.stderr.strip()}")
        tmp.replace(elf)
    return CoreMarkBuild(twin=twin, elf=elf, iterations=iterations, flags=flags)


def validation_problems(console: str) -> list[str]:
    """What is wrong with a run's console output (empty list: CRCs match CoreMark's known values)."""
    problems = []
    if "2K performance run parameters" not in console:
        problems.append("console does not report the 2K performance run parameters")
    for line in console.splitlines():
        if "crc" in line and "ERROR" in line:
            problems.append(line.strip())
    return problems
