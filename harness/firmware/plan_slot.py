"""The plan slot's contents: a 64-byte header naming the model, then the engine's plan.

Layout (little-endian), mirrored by firmware_templates/dut/th_plan_slot.h:

====== ====== =========================================================
offset type   field
====== ====== =========================================================
0      u32    magic 0x53504854 ("THPS")
4      u16    header version (1)
6      u16    header bytes (64)
8      u32    plan offset from the slot start (64)
12     u32    plan bytes
16     char24 model tag, NUL padded, [A-Za-z0-9._-] (``profile`` shows it)
40     u8×20  reserved, zero
60     u32    CRC-32 (zlib.crc32) of bytes 0..59
====== ====== =========================================================
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from harness.atomic_io import write_bytes_atomic

SLOT_MAGIC = 0x53504854
SLOT_VERSION = 1
SLOT_HEADER_BYTES = 64
MODEL_TAG_CHARS = 24
_HEADER = struct.Struct("<IHHII24s20s")
_MODEL_TAG = re.compile(r"[A-Za-z0-9._-]{0,24}")


class PlanSlotError(ValueError):
    """A plan or model tag that cannot go into a plan slot, or slot bytes that are not one."""


@dataclass(frozen=True)
class PlanSlotContents:
    model: str
    plan: bytes


def pack_plan_slot(plan: bytes, model: str = "", *, slot_bytes: int | None = None) -> bytes:
    """The bytes to write at the plan slot's address: header + plan."""
    if not plan:
        raise PlanSlotError("plan slot: plan: expected a non-empty plan")
    if not _MODEL_TAG.fullmatch(model):
        raise PlanSlotError(
            f"plan slot: model tag {model!r}: expected at most {MODEL_TAG_CHARS} characters of [A-Za-z0-9._-]"
        )
    total = SLOT_HEADER_BYTES + len(plan)
    if slot_bytes is not None and total > slot_bytes:
        raise PlanSlotError(
            f"plan slot: the plan needs {total} bytes with its header, the slot has {slot_bytes}"
        )
    head = _HEADER.pack(
        SLOT_MAGIC, SLOT_VERSION, SLOT_HEADER_BYTES, SLOT_HEADER_BYTES, len(plan), model.encode(), bytes(20)
    )
    return head + struct.pack("<I", zlib.crc32(head)) + bytes(plan)


def unpack_plan_slot(blob: bytes) -> PlanSlotContents:
    """The inverse of :func:`pack_plan_slot`, with the same checks the firmware makes."""
    if len(blob) < SLOT_HEADER_BYTES:
        raise PlanSlotError(f"plan slot: {len(blob)} bytes is shorter than the {SLOT_HEADER_BYTES}-byte header")
    magic, version, header_bytes, offset, size, model, _ = _HEADER.unpack_from(blob)
    if magic != SLOT_MAGIC:
        raise PlanSlotError(f"plan slot: magic: expected 0x{SLOT_MAGIC:08x}, got 0x{magic:08x}")
    (crc,) = struct.unpack_from("<I", blob, SLOT_HEADER_BYTES - 4)
    if zlib.crc32(blob[: SLOT_HEADER_BYTES - 4]) != crc:
        raise PlanSlotError("plan slot: header CRC mismatch")
    if version != SLOT_VERSION or header_bytes != SLOT_HEADER_BYTES:
        raise PlanSlotError(f"plan slot: header version {version}/{header_bytes} not supported")
    if offset < SLOT_HEADER_BYTES or offset + size > len(blob):
        raise PlanSlotError(f"plan slot: plan at {offset}+{size} is outside the {len(blob)}-byte blob")
    return PlanSlotContents(model=model.rstrip(b"\0").decode("ascii", "replace"), plan=bytes(blob[offset : offset + size]))


def write_plan_slot(path: Path, plan: bytes, model: str = "", *, slot_bytes: int | None = None) -> Path:
    """Write the slot image to ``path`` atomically (temp file + rename)."""
    return write_bytes_atomic(path, pack_plan_slot(plan, model, slot_bytes=slot_bytes))
