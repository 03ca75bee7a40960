"""Firmware for the boards and their twins: build (cached by content), memory layout, plan slot."""

from harness.firmware.build import FirmwareBuildError, FirmwareImage, SizeReport, build_firmware
from harness.firmware.layout import FirmwareLayout, firmware_layout
from harness.firmware.plan_slot import PlanSlotError, pack_plan_slot, unpack_plan_slot, write_plan_slot

__all__ = [
    "FirmwareBuildError",
    "FirmwareImage",
    "FirmwareLayout",
    "PlanSlotError",
    "SizeReport",
    "build_firmware",
    "firmware_layout",
    "pack_plan_slot",
    "unpack_plan_slot",
    "write_plan_slot",
]
