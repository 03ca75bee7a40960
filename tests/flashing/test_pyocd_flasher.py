"""The pyOCD flasher against pyOCD's own API surface.

A physical probe cannot exist here, so the session and programmer are stand-ins. Every call the
flasher makes on them is bound against the signature of the real pyOCD function it stands in
for, so a change in how the flasher calls pyOCD (or in pyOCD's API) fails here.
"""

from __future__ import annotations

import inspect

import pytest
from pyocd.core.helpers import ConnectHelper
from pyocd.core.memory_interface import MemoryInterface
from pyocd.core.options import BUILTIN_OPTIONS
from pyocd.core.target import Target
from pyocd.flash.file_programmer import FileProgrammer

from harness.boards import get_board
from harness.flashing.pyocd_flasher import FlashError, FlashRequest, PyOcdFlasher

PYOCD_OPTION_NAMES = {o.name for o in BUILTIN_OPTIONS}


class StandInTarget:
    def __init__(self, calls):
        self.calls = calls
        self.memory = bytes(range(256))

    def reset(self, *args, **kwargs):
        inspect.signature(Target.reset).bind(self, *args, **kwargs)
        self.calls.append(("reset",))

    def read_memory_block8(self, *args, **kwargs):
        bound = inspect.signature(MemoryInterface.read_memory_block8).bind(self, *args, **kwargs)
        addr, size = bound.arguments["addr"], bound.arguments["size"]
        self.calls.append(("read", addr, size))
        return list(self.memory[:size])


class StandInSession:
    def __init__(self, calls):
        self.calls = calls
        self.target = StandInTarget(calls)

    def __enter__(self):
        self.calls.append(("open",))
        return self

    def __exit__(self, *exc):
        self.calls.append(("close",))


class StandInProgrammer:
    def __init__(self, calls, fail=False):
        self.calls, self.fail = calls, fail

    def program(self, *args, **kwargs):
        inspect.signature(FileProgrammer.program).bind(self, *args, **kwargs)
        if self.fail:
            raise OSError("flash algo timeout")
        self.calls.append(("program", args[0], kwargs["file_format"], kwargs["base_address"]))


def make_flasher(board_name="nucleo-f446re", connected=True, fail=False):
    calls: list[tuple] = []

    def session_factory(**kwargs):
        inspect.signature(ConnectHelper.session_with_chosen_probe).bind(**kwargs)
        unknown = set(kwargs["options"]) - PYOCD_OPTION_NAMES
        assert not unknown, f"not pyOCD session options: {unknown}"
        calls.append(("session", kwargs["unique_id"], dict(kwargs["options"])))
        return StandInSession(calls) if connected else None

    def programmer_factory(session, **kwargs):
        inspect.signature(FileProgrammer.__init__).bind(None, session, **kwargs)
        calls.append(("programmer", kwargs))
        return StandInProgrammer(calls, fail)

    flasher = PyOcdFlasher(get_board(board_name), "066DFF505055877567",
                           session_factory=session_factory, programmer_factory=programmer_factory)
    return flasher, calls


def test_program_firmware_and_plan_then_reset_with_cycle_counter_kept(tmp_path):
    fw, plan = tmp_path / "fw.bin", tmp_path / "plan.bin"
    fw.write_bytes(b"\0" * 1024)
    plan.write_bytes(b"\1" * 4096)
    flasher, calls = make_flasher()
    flasher.program([FlashRequest(fw, flasher.flash_base, "firmware"), FlashRequest(plan, flasher.plan_slot_address, "plan")])
    _, probe_id, options = calls[0]
    assert probe_id == "066DFF505055877567"
    assert options["target_override"] == "stm32f446retx"
    assert options["resume_on_disconnect"] is False
    programs = [c for c in calls if c[0] == "program"]
    assert programs == [("program", str(fw), "bin", 0x0800_0000), ("program", str(plan), "bin", 0x0802_0000)]
    assert [c[1]["chip_erase"] for c in calls if c[0] == "programmer"] == ["sector", "sector"]
    assert [c[0] for c in calls][-2:] == ["reset", "close"]


def test_nrf52_target_given_explicitly_and_unlock_enabled(tmp_path):
    flasher, calls = make_flasher("nrf52840dk")
    assert flasher.read(0x1000, 16) == bytes(range(16))
    options = calls[0][2]
    assert options["target_override"] == "nrf52840" and options["auto_unlock"] is True
    assert ("read", 0x1000, 16) in calls


def test_image_outside_flash_is_refused_before_touching_the_probe(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * (600 * 1024))
    flasher, calls = make_flasher()
    with pytest.raises(FlashError, match="does not fit the board's flash"):
        flasher.program([FlashRequest(big, flasher.flash_base, "firmware")])
    assert calls == []


def test_absent_probe_and_flash_failure_are_clear_errors(tmp_path):
    image = tmp_path / "fw.bin"
    image.write_bytes(b"\0" * 64)
    flasher, _ = make_flasher(connected=False)
    with pytest.raises(FlashError, match="probe 066DFF505055877567 is not connected"):
        flasher.reset()
    flasher, calls = make_flasher(fail=True)
    with pytest.raises(FlashError, match="flashing firmware failed: flash algo timeout"):
        flasher.program([FlashRequest(image, flasher.flash_base, "firmware")])
    assert calls[-1] == ("close",)
