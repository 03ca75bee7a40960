"""Where the firmware, the plan slot and SRAM sit for a board (real) or its emulated twin.

Real boards use the board file's flash and SRAM bases. Twins run on QEMU MPS2 machines, whose code
memory starts at 0x0 and data memory at 0x20000000 (4 MB each); the twin keeps the board's flash
and SRAM sizes and puts the plan slot at the same offset, so the same limits apply to both.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.boards.schema import Board

VARIANTS = ("real", "twin")
MPS2_CODE_BASE = 0x0000_0000
MPS2_DATA_BASE = 0x2000_0000
MPS2_MEMORY_BYTES = 4 * 1024 * 1024

# Main stack reserved at the top of SRAM, and the smallest arena a firmware may leave.
STACK_BYTES = 8 * 1024  # measured use with the MLPerf Tiny models: under 400 bytes (`arena` command)
ARENA_MIN_BYTES = 8 * 1024


@dataclass(frozen=True)
class FirmwareLayout:
    board: str
    variant: str
    flash_origin: int
    flash_firmware_bytes: int  # the firmware's share: flash start up to the plan slot
    plan_slot_addr: int
    plan_slot_bytes: int
    sram_origin: int
    sram_bytes: int
    stack_bytes: int = STACK_BYTES
    arena_min_bytes: int = ARENA_MIN_BYTES

    def linker_fields(self) -> dict[str, str]:
        return {
            "FLASH_ORIGIN": f"0x{self.flash_origin:08X}",
            "FLASH_FW_BYTES": f"0x{self.flash_firmware_bytes:X}",
            "PLAN_ORIGIN": f"0x{self.plan_slot_addr:08X}",
            "PLAN_BYTES": f"0x{self.plan_slot_bytes:X}",
            "SRAM_ORIGIN": f"0x{self.sram_origin:08X}",
            "SRAM_BYTES": f"0x{self.sram_bytes:X}",
            "STACK_BYTES": f"0x{self.stack_bytes:X}",
            "ARENA_MIN_BYTES": f"0x{self.arena_min_bytes:X}",
        }


def firmware_layout(board: Board, variant: str) -> FirmwareLayout:
    """The memory layout of ``board``'s firmware, for the real board or its twin."""
    if variant not in VARIANTS:
        raise ValueError(f"firmware variant: expected one of {VARIANTS}, got {variant!r}")
    mem = board.memory
    if variant == "real":
        flash_origin, sram_origin = mem.flash_base, mem.sram_base
    else:
        for name, size in (("flash_bytes", mem.flash_bytes), ("sram_bytes", mem.sram_bytes)):
            if size > MPS2_MEMORY_BYTES:
                raise ValueError(
                    f"{board.source}: memory.{name}: {size} bytes does not fit the twin's "
                    f"{MPS2_MEMORY_BYTES}-byte memory on {board.twin.qemu_machine}"
                )
        flash_origin, sram_origin = MPS2_CODE_BASE, MPS2_DATA_BASE
    return FirmwareLayout(
        board=board.name,
        variant=variant,
        flash_origin=flash_origin,
        flash_firmware_bytes=mem.plan_slot_offset,
        plan_slot_addr=flash_origin + mem.plan_slot_offset,
        plan_slot_bytes=mem.plan_slot_size,
        sram_origin=sram_origin,
        sram_bytes=mem.sram_bytes,
    )
