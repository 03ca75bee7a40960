"""The plan-slot image the firmware reads at boot (header + plan)."""

from __future__ import annotations

import zlib

import pytest

from harness.firmware import PlanSlotError, pack_plan_slot, unpack_plan_slot, write_plan_slot
from harness.firmware.plan_slot import SLOT_HEADER_BYTES


def test_round_trip_and_layout():
    plan = bytes(range(200))
    blob = pack_plan_slot(plan, "kws01")
    assert len(blob) == SLOT_HEADER_BYTES + len(plan)
    assert blob[:4] == b"THPS"
    assert blob[16:21] == b"kws01" and blob[21:40] == bytes(19)
    assert int.from_bytes(blob[60:64], "little") == zlib.crc32(blob[:60])
    out = unpack_plan_slot(blob)
    assert out.plan == plan and out.model == "kws01"


@pytest.mark.parametrize("model", ["has space", "x" * 25, "semi;colon", "brack]et"])
def test_bad_model_tags_are_rejected(model):
    with pytest.raises(PlanSlotError, match="model tag"):
        pack_plan_slot(b"\x01", model)


def test_plan_larger_than_slot_is_rejected():
    with pytest.raises(PlanSlotError, match="slot has 100"):
        pack_plan_slot(bytes(40), "", slot_bytes=100)


def test_empty_plan_is_rejected():
    with pytest.raises(PlanSlotError, match="non-empty"):
        pack_plan_slot(b"")


def test_corrupt_header_is_detected():
    blob = bytearray(pack_plan_slot(b"abc", "m"))
    blob[12] ^= 1
    with pytest.raises(PlanSlotError, match="CRC"):
        unpack_plan_slot(bytes(blob))
    with pytest.raises(PlanSlotError, match="magic"):
        unpack_plan_slot(b"\xff" * 64)


def test_write_is_atomic(tmp_path):
    path = write_plan_slot(tmp_path / "slot.bin", b"plan", "ad01")
    assert unpack_plan_slot(path.read_bytes()).model == "ad01"
    with pytest.raises(PlanSlotError):
        write_plan_slot(tmp_path / "bad.bin", b"plan", "bad tag")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slot.bin"]
