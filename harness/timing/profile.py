"""Where the modelled cycles of a run go: per instruction class, per branch kind and per code block.

Built from the plugin's translation trace (``trace=``: every translated instruction with its class
and static cost) and its exit profile (``profile=``: executions, taken exits and branch cycles of
every block). Covers the whole run, not a region.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

EXIT_NAMES = {0: "fall-through", 1: "direct", 2: "conditional", 3: "indirect"}


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class ClassCost:
    name: str
    executed: int
    cycles: int


@dataclass(frozen=True)
class BlockCost:
    vaddr: int
    symbol: str
    instructions: int
    executions: int
    cycles: int  # static cycles x executions + branch cycles - tails not run (MMIO replay)


@dataclass
class CycleProfile:
    instructions: int = 0
    cycles: int = 0
    classes: list[ClassCost] = field(default_factory=list)
    branch_cycles: dict[str, int] = field(default_factory=dict)
    blocks: list[BlockCost] = field(default_factory=list)
    # block tails counted up front but not run because an MMIO access stopped the block (<= 0);
    # classes + branch cycles + this = cycles
    replay_adjust_cycles: int = 0


def _read_trace(path: Path) -> dict[int, list[tuple[str, int]]]:
    blocks: dict[int, list[tuple[str, int]]] = {}
    current: list[tuple[str, int]] = []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("-- block "):
            blocks[int(line.split()[2], 16)] = current
            current = []
            continue
        parts = line.split(None, 4)
        if len(parts) < 4:
            raise ProfileError(f"{path}:{lineno}: unexpected trace line {line!r}")
        current.append((parts[2], int(parts[3])))
    return blocks


def _symbolizer(symbols: dict[str, int] | None):
    if not symbols:
        return lambda addr: ""
    items = sorted((addr & ~1, name) for name, addr in symbols.items())
    starts = [a for a, _ in items]

    def name_of(addr: int) -> str:
        i = bisect.bisect_right(starts, addr) - 1
        if i < 0:
            return ""
        base, name = items[i]
        return name if addr == base else f"{name}+0x{addr - base:x}"

    return name_of


def build_profile(trace: Path, profile: Path, symbols: dict[str, int] | None = None, top: int = 15) -> CycleProfile:
    trace, profile = Path(trace), Path(profile)
    if not trace.exists() or not profile.exists():
        raise ProfileError(f"{profile}: no profile written (did QEMU exit normally?)")
    static = _read_trace(trace)
    name_of = _symbolizer(symbols)
    per_class_n: dict[str, int] = defaultdict(int)
    per_class_c: dict[str, int] = defaultdict(int)
    branch: dict[str, int] = defaultdict(int)
    blocks: list[BlockCost] = []
    result = CycleProfile()
    for lineno, line in enumerate(profile.read_text().splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        try:
            vaddr_s, n, cycles, exit_kind, execs, _taken, exit_cycles, undone_i, undone_c = line.split()
            vaddr, n_i, cyc, execs_i, exit_c = int(vaddr_s, 16), int(n), int(cycles), int(execs), int(exit_cycles)
            undone_insns, undone_cycles = int(undone_i), int(undone_c)
        except ValueError:
            raise ProfileError(f"{profile}:{lineno}: unexpected line {line!r}") from None
        for cls, cost in static.get(vaddr, []):
            per_class_n[cls] += execs_i
            per_class_c[cls] += cost * execs_i
        branch[EXIT_NAMES.get(int(exit_kind), exit_kind)] += exit_c
        result.instructions += n_i * execs_i - undone_insns
        result.cycles += cyc * execs_i + exit_c - undone_cycles
        result.replay_adjust_cycles -= undone_cycles
        blocks.append(BlockCost(vaddr, name_of(vaddr), n_i, execs_i, cyc * execs_i + exit_c - undone_cycles))
    result.classes = sorted(
        (ClassCost(k, per_class_n[k], per_class_c[k]) for k in per_class_n), key=lambda c: -c.cycles
    )
    result.branch_cycles = {k: v for k, v in branch.items() if v}
    result.blocks = sorted(blocks, key=lambda b: -b.cycles)[:top]
    return result
