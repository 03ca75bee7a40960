"""Build the DUT firmware for a board or its twin with arm-none-eabi-gcc, cached by content.

The output directory ``cache_dir()/firmware/<board>-<variant>-<hash>`` is keyed by a hash of every
input: all C sources and headers, the linker script template, the compiler flags, the board
definition and the compiler's version. An unchanged firmware is never rebuilt; a build happens in
a temporary directory that is renamed into place only when it succeeded.

The firmware is built once per board: the model comes from the plan slot at run time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.boards.schema import Board
from harness.firmware.layout import FirmwareLayout, firmware_layout
from harness.paths import FIRMWARE_DIR, cache_dir

log = logging.getLogger(__name__)

GCC = "arm-none-eabi-gcc"
OBJCOPY = "arm-none-eabi-objcopy"
SIZE = "arm-none-eabi-size"
NM = "arm-none-eabi-nm"
BUILD_FORMAT = 1  # bump when the build procedure changes in a way the inputs do not show

COMMON_DIR = FIRMWARE_DIR / "common"
BOARDS_DIR = FIRMWARE_DIR / "boards"
DUT_DIR = FIRMWARE_DIR / "dut"
DEFAULT_ENGINE_DIR = FIRMWARE_DIR / "engine"
LINKER_TEMPLATE = COMMON_DIR / "link.ld.in"
# The engine API the firmware is written against; a stand-in engine supplies only its sources and
# th_engine_impl.h.
ENGINE_API_HEADER = DEFAULT_ENGINE_DIR / "include" / "th_engine.h"

# Board family -> board-support source for the real board. Twins all use mps2.c.
FAMILY_SOURCES = {"stm32f4": "stm32f4.c", "stm32f7": "stm32f7.c", "nrf52": "nrf52.c"}
TWIN_SOURCE = "mps2.c"

CFLAGS = [
    "-std=c11", "-O2", "-g", "-Wall", "-Wextra", "-Werror",
    "-ffunction-sections", "-fdata-sections", "-fno-common", "-mthumb",
]
LDFLAGS = ["-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections", "-Wl,--no-warn-rwx-segments"]
LIBS = ["-Wl,--start-group", "-lc", "-lm", "-lgcc", "-Wl,--end-group"]


class FirmwareBuildError(RuntimeError):
    """The firmware could not be built; the message names the board and carries the tool output."""


@dataclass(frozen=True)
class SizeReport:
    """arm-none-eabi-size's text/data/bss and what they use of the board's limits."""

    text: int
    data: int
    bss: int
    flash_used: int  # text + data (the .data initialisers live in flash)
    flash_limit: int  # the firmware's flash: everything before the plan slot
    sram_static: int  # data + bss
    stack: int
    arena: int  # what is left for the engine's arena and the input buffer
    sram_limit: int

    @property
    def flash_fraction(self) -> float:
        return self.flash_used / self.flash_limit

    @property
    def sram_fraction(self) -> float:
        return (self.sram_static + self.stack) / self.sram_limit


@dataclass(frozen=True)
class FirmwareImage:
    board: str
    variant: str  # "real" or "twin"
    elf: Path
    bin: Path
    hash: str
    plan_slot_addr: int
    plan_slot_bytes: int
    size: SizeReport
    timing_region_begin: int  # addresses of th_timing_region_begin / _end (Thumb bit clear)
    timing_region_end: int
    qemu_machine: str
    engine: str  # "engine" or the name of the directory the engine came from

    def to_json(self) -> dict:
        out = dataclasses.asdict(self)
        out["elf"] = str(self.elf)
        out["bin"] = str(self.bin)
        return out

    @classmethod
    def from_json(cls, raw: dict) -> FirmwareImage:
        raw = dict(raw)
        raw["elf"] = Path(raw["elf"])
        raw["bin"] = Path(raw["bin"])
        raw["size"] = SizeReport(**raw["size"])
        return cls(**raw)


def _run(argv: list[str], what: str, cwd: Path | None = None) -> str:
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise FirmwareBuildError(f"{what}: {argv[0]} not found; install gcc-arm-none-eabi") from None
    if proc.returncode != 0:
        raise FirmwareBuildError(f"{what} failed ({argv[0]} exit {proc.returncode}):\n{proc.stderr.strip()}")
    return proc.stdout


def compiler_version() -> str:
    return _run([GCC, "--version"], "compiler version").splitlines()[0].strip()


def cpu_flags(board: Board) -> list[str]:
    flags = [f"-mcpu={board.core.name}"]
    if board.core.fpu == "none":
        flags.append("-mfloat-abi=soft")
    else:
        flags += [f"-mfpu={board.core.fpu}", "-mfloat-abi=hard"]
    return flags


def _c_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _engine_files(engine_dir: Path) -> tuple[list[Path], list[Path]]:
    sources = sorted((engine_dir / "src").rglob("*.c"))
    if not sources:
        raise FirmwareBuildError(
            f"engine: no C sources under {engine_dir / 'src'}; the firmware needs the int8 engine"
        )
    headers = sorted(p for p in engine_dir.rglob("*.h"))
    return sources, headers


def _source_files(board: Board, variant: str, engine_dir: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(C sources, headers, include dirs) of one firmware build."""
    bsp = TWIN_SOURCE if variant == "twin" else FAMILY_SOURCES.get(board.family)
    if bsp is None:
        raise FirmwareBuildError(
            f"{board.source}: family: no board support for {board.family!r}; expected one of {sorted(FAMILY_SOURCES)}"
        )
    engine_sources, engine_headers = _engine_files(engine_dir)
    sources = sorted(COMMON_DIR.glob("*.c")) + [BOARDS_DIR / bsp] + sorted(DUT_DIR.glob("*.c")) + engine_sources
    headers = (
        sorted(COMMON_DIR.glob("*.h")) + sorted(BOARDS_DIR.glob("*.h")) + sorted(DUT_DIR.glob("*.h")) + engine_headers
    )
    if ENGINE_API_HEADER not in headers:
        headers.append(ENGINE_API_HEADER)
    includes = [COMMON_DIR, BOARDS_DIR, DUT_DIR, engine_dir / "include", ENGINE_API_HEADER.parent]
    # The real engine's headers may also sit next to its sources (e.g. kernels' private headers).
    includes += sorted({h.parent for h in engine_headers} - set(includes))
    includes = list(dict.fromkeys(includes))
    return sources, headers, includes


def _defines(board: Board, variant: str, fw_id: str) -> list[str]:
    defines = {
        "TH_BOARD_NAME": _c_string(board.name),
        "TH_CORE_NAME": _c_string(board.core.name),
        "TH_CORE_HZ": f"{board.core.clock_hz}u",
        "TH_TWIN": "1" if variant == "twin" else "0",
        "TH_CORE_M7": "1" if board.core.name == "cortex-m7" else "0",
        "TH_USE_DSP": "1" if board.core.dsp else "0",
        "TH_FW_ID": _c_string(fw_id),
    }
    return [f"-D{k}={v}" for k, v in defines.items()]


def render_linker_script(layout: FirmwareLayout) -> str:
    text = LINKER_TEMPLATE.read_text()
    for key, value in layout.linker_fields().items():
        text = text.replace(f"@{key}@", value)
    if "@" in text.split("*/", 1)[-1]:
        raise FirmwareBuildError(f"{LINKER_TEMPLATE}: unfilled @FIELD@ left in the linker script")
    return text


def _board_fingerprint(board: Board) -> dict:
    raw = dataclasses.asdict(board)
    raw.pop("source", None)
    return raw


def _symbols(elf: Path) -> dict[str, int]:
    out = _run([NM, str(elf)], "symbol table")
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            table[parts[2]] = int(parts[0], 16)
    return table


def _size_report(elf: Path, layout: FirmwareLayout, symbols: dict[str, int]) -> SizeReport:
    lines = _run([SIZE, str(elf)], "size report").splitlines()
    text, data, bss = (int(v) for v in lines[1].split()[:3])
    return SizeReport(
        text=text,
        data=data,
        bss=bss,
        flash_used=text + data,
        flash_limit=layout.flash_firmware_bytes,
        sram_static=data + bss,
        stack=layout.stack_bytes,
        arena=symbols["__arena_end"] - symbols["__arena_start"],
        sram_limit=layout.sram_bytes,
    )


def build_firmware(
    board: Board,
    variant: str = "twin",
    *,
    engine_dir: Path | None = None,
    out_root: Path | None = None,
    force: bool = False,
) -> FirmwareImage:
    """Build (or take from the cache) the DUT firmware of ``board`` for ``variant`` "real" or "twin".

    ``engine_dir`` holds the engine (``include/`` and ``src/``); the default is
    firmware_templates/engine. Raises :class:`FirmwareBuildError` with the compiler's or linker's
    message when the firmware does not compile or does not fit the board's flash or SRAM.
    """
    layout = firmware_layout(board, variant)
    engine_dir = Path(engine_dir).resolve() if engine_dir is not None else DEFAULT_ENGINE_DIR
    sources, headers, includes = _source_files(board, variant, engine_dir)
    flags = CFLAGS + cpu_flags(board)
    linker_script = render_linker_script(layout)
    gcc_version = compiler_version()

    digest = hashlib.sha256()
    digest.update(json.dumps(
        {
            "format": BUILD_FORMAT,
            "variant": variant,
            "board": _board_fingerprint(board),
            "flags": flags,
            "ldflags": LDFLAGS + LIBS,
            "compiler": gcc_version,
            "layout": dataclasses.asdict(layout),
        },
        sort_keys=True,
    ).encode())
    digest.update(linker_script.encode())
    for path in sources + headers:
        # Identify files by their place relative to their tree, so the cache survives a moved checkout.
        root = engine_dir if path.is_relative_to(engine_dir) else FIRMWARE_DIR
        digest.update(f"\0{root.name}/{path.relative_to(root)}\0".encode())
        digest.update(path.read_bytes())
    fw_hash = digest.hexdigest()

    root = Path(out_root) if out_root is not None else cache_dir() / "firmware"
    out_dir = root / f"{board.name}-{variant}-{fw_hash[:16]}"
    manifest = out_dir / "firmware.json"
    if manifest.is_file() and not force:
        image = FirmwareImage.from_json(json.loads(manifest.read_text()))
        if image.elf.is_file() and image.bin.is_file():
            log.debug("firmware %s (%s) from cache: %s", board.name, variant, out_dir)
            return image
    if out_dir.exists():
        # A damaged cache entry (files deleted by hand) or a forced rebuild: replace it.
        shutil.rmtree(out_dir, ignore_errors=True)

    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{out_dir.name}."))
    try:
        ld = tmp / "link.ld"
        ld.write_text(linker_script)
        elf_tmp = tmp / "firmware.elf"
        argv = (
            [GCC]
            + flags
            + _defines(board, variant, fw_hash[:16])
            + [f"-I{d}" for d in includes]
            + [str(s) for s in sources]
            + LDFLAGS
            + [f"-T{ld}", f"-Wl,-Map={tmp / 'firmware.map'}", "-o", str(elf_tmp)]
            + LIBS
        )
        log.info("building firmware for %s (%s)", board.name, variant)
        _run(argv, f"firmware build for {board.name} ({variant})", cwd=tmp)
        _run([OBJCOPY, "-O", "binary", "--remove-section=.bss", str(elf_tmp), str(tmp / "firmware.bin")],
             "objcopy")
        final_elf, final_bin = out_dir / "firmware.elf", out_dir / "firmware.bin"
        symbols = _symbols(elf_tmp)
        missing = [s for s in ("th_timing_region_begin", "th_timing_region_end", "__arena_start") if s not in symbols]
        if missing:
            raise FirmwareBuildError(f"firmware build for {board.name}: symbols missing from the ELF: {missing}")
        image = FirmwareImage(
            board=board.name,
            variant=variant,
            elf=final_elf,
            bin=final_bin,
            hash=fw_hash,
            plan_slot_addr=layout.plan_slot_addr,
            plan_slot_bytes=layout.plan_slot_bytes,
            size=_size_report(elf_tmp, layout, symbols),
            timing_region_begin=symbols["th_timing_region_begin"] & ~1,
            timing_region_end=symbols["th_timing_region_end"] & ~1,
            qemu_machine=board.twin.qemu_machine,
            engine=engine_dir.name,
        )
        (tmp / "firmware.json").write_text(json.dumps(image.to_json(), indent=2, sort_keys=True))
        try:
            os.rename(tmp, out_dir)
        except OSError:
            # Another process finished the same build first: theirs is identical; use it.
            if not manifest.is_file():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        return FirmwareImage.from_json(json.loads(manifest.read_text()))
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
