"""Run a bare-metal ELF on an emulated twin with the timing plugin and collect timing records."""

from __future__ import annotations

import logging
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.timing.config import PluginConfig
from harness.timing.elf_symbols import read_symbols, symbol_address
from harness.timing.plugin_output import parse_plugin_output
from harness.timing.profile import CycleProfile, build_profile
from harness.timing.record import TimingRecord
from harness.twin.qemu import build_qemu_argv

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TwinCore:
    """A twin CPU: the QEMU machine that runs the code and the timing table that times it."""

    name: str
    qemu_machine: str
    timing_model: str
    default_board: str  # whose clock is used when none is given


TWIN_CORES = {
    "M4": TwinCore("M4", "mps2-an386", "cortex-m4", "nucleo-f446re"),
    "M7": TwinCore("M7", "mps2-an500", "cortex-m7", "nucleo-f746zg"),
}


class TimedRunError(RuntimeError):
    """QEMU failed, timed out, or produced no timing output."""


@dataclass
class TimedRun:
    exit_code: int
    total: TimingRecord
    regions: list[TimingRecord] = field(default_factory=list)
    unclosed_region: TimingRecord | None = None
    console: str = ""
    profile: CycleProfile | None = None


def twin_core(name: str) -> TwinCore:
    key = name.strip().upper()
    if key not in TWIN_CORES:
        raise ValueError(f"twin {name!r}: expected one of {sorted(TWIN_CORES)}")
    return TWIN_CORES[key]


def default_clock_hz(core: TwinCore) -> int:
    from harness.boards import get_board

    return get_board(core.default_board).clock_hz


def run_elf_timed(
    elf: Path,
    twin: str,
    *,
    begin: str | None = None,
    end: str | None = None,
    clock_hz: int | None = None,
    timeout_s: float = 120.0,
    work_dir: Path | None = None,
    profile: bool = False,
) -> TimedRun:
    """Run ``elf`` on the twin until it exits through semihosting; time it and its regions.

    ``begin``/``end`` are symbol names or numeric addresses; a region is counted from every execution
    of ``begin`` to the next execution of ``end``. ``profile``: also break the whole run's cycles
    down by instruction class, branch kind and code block.
    """
    elf = Path(elf)
    if not elf.is_file():
        raise FileNotFoundError(f"{elf}: no such ELF file")
    core = twin_core(twin)
    if (begin is None) != (end is None):
        raise ValueError("give both --begin and --end, or neither")
    begin_addr = symbol_address(elf, begin) if begin is not None else None
    end_addr = symbol_address(elf, end) if end is not None else None
    clock = clock_hz if clock_hz is not None else default_clock_hz(core)
    if clock <= 0:
        raise ValueError(f"clock_hz: expected a positive frequency, got {clock}")

    with tempfile.TemporaryDirectory(prefix="tinyhil-timing-", dir=work_dir) as tmp:
        out = Path(tmp) / "timing.txt"
        trace = Path(tmp) / "trace.txt" if profile else None
        block_profile = Path(tmp) / "profile.txt" if profile else None
        plugin = PluginConfig(core.timing_model, out, begin_addr, end_addr, trace=trace, profile=block_profile)
        argv = build_qemu_argv(core.qemu_machine, elf, serial_port=None, loaders=[], plugin=plugin)
        log.debug("running %s", " ".join(argv))
        try:
            # the UART (-serial stdio) writes to stdout, semihosting console output to stderr
            proc = subprocess.run(
                argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout_s, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            raise TimedRunError(
                f"{elf}: did not exit within {timeout_s:g} s on {core.qemu_machine} "
                "(the firmware must end with a semihosting exit)"
            ) from None
        except FileNotFoundError:
            raise TimedRunError("qemu-system-arm not found (install qemu-system-arm)") from None
        console = proc.stdout.decode("utf-8", "replace")
        if not out.exists():
            raise TimedRunError(
                f"{elf}: QEMU exited with {proc.returncode} before the timing plugin started: "
                f"{console.strip()}"
            )
        result = parse_plugin_output(out)
        cycle_profile = None
        if trace is not None and block_profile is not None:
            try:
                symbols = read_symbols(elf)
            except ValueError:
                symbols = None
            cycle_profile = build_profile(trace, block_profile, symbols)

    def record(count, region: int | None) -> TimingRecord:
        return TimingRecord(
            source="emulated",
            cycles=count.cycles,
            clock_hz=clock,
            timing_model=core.timing_model,
            instructions=count.instructions,
            region=region,
        )

    assert result.total is not None
    return TimedRun(
        exit_code=proc.returncode,
        total=record(result.total, None),
        regions=[record(c, i) for i, c in enumerate(result.regions)],
        unclosed_region=record(result.unclosed, len(result.regions)) if result.unclosed else None,
        console=console,
        profile=cycle_profile,
    )
