"""Static arena planning: every activation buffer gets a fixed offset, reusing memory over lifetimes.

Buffers whose lifetimes (inclusive op-index ranges) overlap must not overlap in memory. Placement
is greedy: largest buffer first (ties: earliest first use), each at the lowest aligned offset that
fits between the buffers already placed whose lifetimes overlap it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArenaBuffer:
    name: str
    size: int
    first: int  # first op index that needs the buffer (-1: before the first op, e.g. model input)
    last: int  # last op index that needs it (n_ops: after the last op, e.g. model output)
    members: list[int] = field(default_factory=list)  # tensor indices sharing this buffer
    offset: int = -1

    def overlaps_in_time(self, other: ArenaBuffer) -> bool:
        return self.first <= other.last and other.first <= self.last


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def plan_arena(buffers: list[ArenaBuffer], align: int = 4) -> int:
    """Assign offsets in place; return the arena size in bytes."""
    order = sorted(buffers, key=lambda b: (-b.size, b.first, b.name))
    placed: list[ArenaBuffer] = []
    total = 0
    for buf in order:
        if buf.size == 0:
            buf.offset = 0
            continue
        busy = sorted((p.offset, p.offset + p.size) for p in placed if p.overlaps_in_time(buf))
        candidate = 0
        for start, end in busy:
            if candidate + buf.size <= start:
                break
            candidate = max(candidate, _align(end, align))
        buf.offset = candidate
        placed.append(buf)
        total = max(total, _align(candidate + buf.size, align))
    return total
