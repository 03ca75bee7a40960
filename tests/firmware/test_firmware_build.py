"""Building the DUT firmware: every board and twin, size limits enforced by the linker, caching."""

from __future__ import annotations

import dataclasses
import shutil
import struct
from pathlib import Path

import pytest

from harness.boards import get_board, load_catalog
from harness.firmware import FirmwareBuildError, build_firmware, firmware_layout
from harness.firmware.build import DEFAULT_ENGINE_DIR, FAMILY_SOURCES

BOARDS = sorted(b.name for b in (load_catalog().values() if isinstance(load_catalog(), dict) else load_catalog()))
VARIANTS = ["real", "twin"]


def _vector_words(image) -> tuple[int, int]:
    sp, reset = struct.unpack_from("<II", image.bin.read_bytes())
    return sp, reset


def _check_image(image, board, variant):
    layout = firmware_layout(board, variant)
    assert image.elf.is_file() and image.bin.is_file()
    assert image.board == board.name and image.variant == variant
    assert image.plan_slot_addr == layout.plan_slot_addr
    assert image.plan_slot_bytes == layout.plan_slot_bytes
    # The whole flash image fits before the plan slot; static data + stack + arena fill SRAM exactly.
    assert 0 < image.size.flash_used <= image.size.flash_limit == board.memory.plan_slot_offset
    assert image.bin.stat().st_size <= board.memory.plan_slot_offset
    assert image.size.sram_limit == board.sram_bytes
    assert image.size.sram_static + image.size.stack + image.size.arena <= board.sram_bytes
    assert image.size.arena >= board.sram_bytes - image.size.sram_static - image.size.stack - 16
    # Vector table at the start of flash: initial SP at the top of SRAM, reset handler in flash (Thumb).
    sp, reset = _vector_words(image)
    assert sp == layout.sram_origin + board.sram_bytes
    assert reset & 1 == 1
    assert layout.flash_origin <= (reset & ~1) < layout.flash_origin + image.size.flash_used
    # Region markers are two distinct functions inside the firmware.
    assert image.timing_region_begin != image.timing_region_end
    for addr in (image.timing_region_begin, image.timing_region_end):
        assert layout.flash_origin <= addr < layout.flash_origin + image.size.flash_used


@pytest.mark.skipif(not any((DEFAULT_ENGINE_DIR / "src").glob("*.c")), reason="engine sources not present")
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("board_name", BOARDS)
def test_every_board_builds(board_name, variant):
    """The production firmware (real engine) for every board and its twin, within the board's limits."""
    board = get_board(board_name)
    image = build_firmware(board, variant)
    _check_image(image, board, variant)
    assert image.engine == "engine"
    # The board support compiled in (named in the ELF's debug info) is the family's, or MPS2 for twins.
    expected = "mps2.c" if variant == "twin" else FAMILY_SOURCES[board.family]
    elf = image.elf.read_bytes()
    for bsp in ("mps2.c", *FAMILY_SOURCES.values()):
        assert ((b"boards/" + bsp.encode()) in elf) == (bsp == expected), bsp


def test_plan_slots_are_the_documented_flash_sectors():
    expected = {
        "nucleo-f446re": (0x0802_0000, 384 * 1024),  # F446 sectors 5-7
        "nucleo-f746zg": (0x0804_0000, 768 * 1024),  # F746 sectors 5-7
        "nucleo-f767zi": (0x0804_0000, 1792 * 1024),  # F767 sectors 5-11 (single bank)
        "nrf52840dk": (0x0004_0000, 768 * 1024),
    }
    for name, (addr, size) in expected.items():
        real = firmware_layout(get_board(name), "real")
        twin = firmware_layout(get_board(name), "twin")
        assert (real.plan_slot_addr, real.plan_slot_bytes) == (addr, size)
        assert twin.plan_slot_addr == get_board(name).memory.plan_slot_offset
        assert twin.plan_slot_bytes == size


def test_unchanged_firmware_is_not_rebuilt(tmp_path, stub_engine_dir):
    board = get_board("nucleo-f446re")
    first = build_firmware(board, "twin", engine_dir=stub_engine_dir, out_root=tmp_path)
    mtime = first.elf.stat().st_mtime_ns
    second = build_firmware(board, "twin", engine_dir=stub_engine_dir, out_root=tmp_path)
    assert second == first
    assert second.elf.stat().st_mtime_ns == mtime
    assert len([p for p in tmp_path.iterdir()]) == 1


def test_damaged_cache_entry_is_rebuilt(tmp_path, stub_engine_dir):
    board = get_board("nucleo-f446re")
    first = build_firmware(board, "twin", engine_dir=stub_engine_dir, out_root=tmp_path)
    first.elf.unlink()
    second = build_firmware(board, "twin", engine_dir=stub_engine_dir, out_root=tmp_path)
    assert second == first and second.elf.is_file()
    before = second.elf.stat()
    forced = build_firmware(board, "twin", engine_dir=stub_engine_dir, out_root=tmp_path, force=True)
    after = forced.elf.stat()
    assert forced == first and (after.st_ino, after.st_mtime_ns) != (before.st_ino, before.st_mtime_ns)


def test_changed_source_or_board_rebuilds(tmp_path, stub_engine_dir):
    engine = tmp_path / "engine"
    shutil.copytree(stub_engine_dir, engine)
    board = get_board("nucleo-f446re")
    out = tmp_path / "out"
    first = build_firmware(board, "twin", engine_dir=engine, out_root=out)
    src = engine / "src" / "stub_engine.c"
    src.write_text(src.read_text() + "\n/* changed */\n")
    second = build_firmware(board, "twin", engine_dir=engine, out_root=out)
    assert second.hash != first.hash and second.elf != first.elf
    faster = dataclasses.replace(board, core=dataclasses.replace(board.core, clock_hz=board.clock_hz * 2))
    assert build_firmware(faster, "twin", engine_dir=engine, out_root=out).hash != second.hash
    other = build_firmware(board, "real", engine_dir=engine, out_root=out)
    assert other.hash != second.hash


def _shrunk(board, **memory):
    return dataclasses.replace(board, memory=dataclasses.replace(board.memory, **memory))


def test_firmware_too_big_for_flash_fails_to_link(tmp_path, stub_engine_dir):
    board = _shrunk(get_board("nucleo-f446re"), plan_slot_offset=4096)
    with pytest.raises(FirmwareBuildError, match="FLASH") as err:
        build_firmware(board, "real", engine_dir=stub_engine_dir, out_root=tmp_path)
    assert "nucleo-f446re" in str(err.value)
    assert [p.name for p in tmp_path.iterdir()] == []  # no partial build left behind


def test_firmware_too_big_for_sram_fails_to_link(tmp_path, stub_engine_dir):
    board = _shrunk(get_board("nucleo-f446re"), sram_bytes=12 * 1024)
    with pytest.raises(FirmwareBuildError, match="minimum arena"):
        build_firmware(board, "twin", engine_dir=stub_engine_dir, out_root=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == []


def test_compile_error_names_the_file(tmp_path, stub_engine_dir):
    engine = tmp_path / "engine"
    shutil.copytree(stub_engine_dir, engine)
    src = engine / "src" / "stub_engine.c"
    src.write_text(src.read_text() + "\nstatic int unused_variable_is_an_error(void) { int x; return 0; }\n")
    with pytest.raises(FirmwareBuildError, match="stub_engine.c"):
        build_firmware(get_board("nucleo-f746zg"), "twin", engine_dir=engine, out_root=tmp_path / "out")


def test_missing_engine_sources_is_a_clear_error(tmp_path):
    (tmp_path / "src").mkdir()
    with pytest.raises(FirmwareBuildError, match="no C sources"):
        build_firmware(get_board("nucleo-f446re"), "twin", engine_dir=tmp_path, out_root=tmp_path / "out")


def test_unknown_variant_is_rejected():
    with pytest.raises(ValueError, match="variant"):
        firmware_layout(get_board("nucleo-f446re"), "fpga")


def test_firmware_json_round_trip(stub_twin_m4):
    from harness.firmware import FirmwareImage

    assert FirmwareImage.from_json(stub_twin_m4.to_json()) == stub_twin_m4
    assert Path(stub_twin_m4.elf).parent.name.endswith(stub_twin_m4.hash[:16])
