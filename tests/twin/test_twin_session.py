"""Twin sessions: start-up, plan-slot states, repeatability, crash detection and clean shutdown."""

from __future__ import annotations

import gc
import os
import random
import re
import signal
import socket
import time
from pathlib import Path

import pytest
from stub_plan import STUB_FAULT_ROUNDS, stub_float_outputs, stub_outputs, stub_plan

from harness.dut import DutCommandError, DutDisconnected, DutTimeout
from harness.firmware import PlanSlotError, pack_plan_slot
from harness.twin import session as session_mod
from harness.twin.session import TwinError, TwinSession, running_qemu_pids

STUB_ENGINE_DIR = Path(__file__).resolve().parents[1] / "firmware" / "stub_engine"

LONG_INPUT = 1000
LONG_PLAN = stub_plan(LONG_INPUT, 8, rounds=15_000)  # ~100 M instructions: spans SysTick periods


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def _without_clock(lines):
    return [re.sub(r"^m-lap-us-\d+$", "m-lap-us-*", line) for line in lines]


def _scripted_run(image, x: bytes, *, slow_host: bool):
    with TwinSession(image, plan=LONG_PLAN, model="vww01", timing=True) as twin:
        c = twin.client
        if slow_host:  # the host dawdles between bytes: the guest idles a different amount of time
            for byte in b"name%":
                c.send_raw(bytes([byte]))
                time.sleep(0.01)
            c.read_reply()
        c.load_input(x)
        r1 = c.infer(2, 0, timeout=120)
        t = c.tensor(1, 0, timeout=120)
        r2 = c.infer(1, 1, timeout=120)
        regions = twin.read_new_regions()
        transcript = _without_clock(list(twin.boot.lines) + list(r1.lines) + list(r2.lines)) + [t.data.hex()]
        return transcript, [r1.elapsed_us, r2.elapsed_us], [(r.instructions, r.cycles) for r in regions]


def test_repeated_runs_are_identical(stub_twins):
    image = stub_twins["m4"]
    x = random.Random(7).randbytes(LONG_INPUT)
    first = _scripted_run(image, x, slow_host=False)
    second = _scripted_run(image, x, slow_host=True)
    assert first == second
    transcript, elapsed, regions = first
    assert len(regions) == 3 and all(insns > 50_000_000 for insns, _ in regions)
    assert elapsed[0] > 0 and f"m-results-[{','.join(map(str, stub_outputs(x, 8)))}]" in transcript


def test_empty_plan_slot(stub_twins):
    with TwinSession(stub_twins["m7"]) as twin:
        assert twin.boot.errors == ("Plan slot: empty: no plan header",)
        c = twin.client
        assert c.profile().model == "none"
        info = c.plan()
        assert info.status == "empty: no plan header" and info.plan_hash is None
        with pytest.raises(DutCommandError, match="No valid plan: empty"):
            c.infer(1, 0)
        with pytest.raises(DutCommandError, match="No results: run 'infer' first"):
            c.results()
        c.load_input(bytes(200))  # the input buffer is the whole arena without a plan
        assert c.arena().input_buffer == c.arena().size == twin.image.size.arena


@pytest.mark.parametrize(
    ("make_plan", "error"),
    [
        (lambda: _flip_last_byte(stub_plan(40, 4)), "plan checksum mismatch"),
        (lambda: b"XXXX" + stub_plan(40, 4)[4:], "not a plan (bad magic)"),
        (lambda: stub_plan(4_000_000, 4), "arena too small"),
    ],
    ids=["checksum", "magic", "arena"],
)
def test_plan_that_fails_validation(stub_twins, make_plan, error):
    with TwinSession(stub_twins["m4"], plan=make_plan(), model="kws01") as twin:
        assert twin.boot.errors == (f"Plan slot: {error}",)
        assert twin.client.plan().status == error
        twin.client.load_input(bytes(40))
        with pytest.raises(DutCommandError, match=f"No valid plan: {re.escape(error)}"):
            twin.client.infer(1, 0)
        assert twin.client.name().startswith("tinyhil-")


def test_float32_outputs_are_printed_with_three_decimals(stub_twins):
    x = random.Random(3).randbytes(60)
    with TwinSession(stub_twins["m7"], plan=stub_plan(60, 16, float_outputs=True)) as twin:
        twin.client.load_input(x)
        result = twin.client.infer(1, 0)
    expected = stub_float_outputs(x, 4)
    assert result.lines[-1] == "m-results-[" + ",".join(f"{v:.3f}" for v in expected) + "]"
    assert list(result.results) == pytest.approx(expected, abs=5e-4)


def test_corrupt_slot_header(stub_twins, tmp_path):
    blob = bytearray(pack_plan_slot(stub_plan(40, 4), "kws01"))
    blob[20] ^= 0xFF
    (tmp_path / "slot.bin").write_bytes(blob)
    with TwinSession(stub_twins["m4"], slot_image=tmp_path / "slot.bin") as twin:
        assert twin.boot.errors == ("Plan slot: corrupt: header CRC mismatch",)


def test_plan_larger_than_slot_is_refused_before_start(stub_twins):
    image = stub_twins["m4"]
    with pytest.raises(PlanSlotError, match="slot has"):
        TwinSession(image, plan=bytes(image.plan_slot_bytes))
    assert running_qemu_pids() == set()


def test_killed_qemu_is_reported_as_a_crash(stub_twins):
    twin = TwinSession(stub_twins["m4"], plan=stub_plan(40, 4), keep_files=True).start()
    try:
        twin.proc.send_signal(signal.SIGKILL)
        twin.proc.wait(timeout=5)
        with pytest.raises(DutDisconnected) as err:
            twin.client.name()
        message = str(err.value)
        assert "QEMU exited with code -9" in message
        assert str(twin.console_log) in message
        assert twin.crash_reason().startswith("QEMU exited with code -9")
    finally:
        twin.stop()
    assert "> name%" in twin.console_log.read_text()
    assert not twin.alive()


def test_firmware_fault_is_reported_and_ends_qemu(stub_twins):
    twin = TwinSession(stub_twins["m7"], plan=stub_plan(40, 4, rounds=STUB_FAULT_ROUNDS), keep_files=True)
    with twin:
        twin.client.load_input(bytes(40))
        with pytest.raises(DutDisconnected) as err:
            twin.client.infer(1, 0)
        assert twin.wait_exit(5) == 0x7F  # semihosting SYS_EXIT_EXTENDED from the fault handler
    message = str(err.value)
    assert "QEMU exited with code 127 (firmware fault)" in message
    assert re.search(r"e-\[Fault: cfsr=0x[0-9a-f]{8} hfsr=0x[0-9a-f]{8} pc=0x[0-9a-f]{8}", message)


def test_timeout_shows_console_and_log(stub_twins, tmp_path):
    with TwinSession(stub_twins["m7"], plan=stub_plan(40, 4), workdir=tmp_path) as twin:
        twin.client.name()
        with pytest.raises(DutTimeout) as err:
            twin.client.expect("never", timeout=0.3)
    message = str(err.value)
    assert "m-name-dut-[tinyhil-nucleo-f746zg@twin]" in message and str(tmp_path / "console.log") in message
    assert (tmp_path / "console.log").read_text().count("< m-ready") >= 2


def test_exception_inside_session_stops_qemu(stub_twins):
    pid = None
    with pytest.raises(RuntimeError, match="boom"):
        with TwinSession(stub_twins["m4"], plan=stub_plan(40, 4)) as twin:
            pid = twin.proc.pid
            raise RuntimeError("boom")
    assert pid is not None and not _pid_alive(pid)


def test_forgotten_session_is_killed_when_collected(stub_twins):
    twin = TwinSession(stub_twins["m4"], plan=stub_plan(40, 4)).start()
    pid = twin.proc.pid
    twin.client.close()
    del twin
    gc.collect()
    deadline = time.monotonic() + 5
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _pid_alive(pid)


def test_port_taken_by_another_process_is_retried(stub_twins, monkeypatch):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    taken = blocker.getsockname()[1]
    real_free_port = session_mod._free_port
    ports = iter([taken])
    monkeypatch.setattr(session_mod, "_free_port", lambda: next(ports, None) or real_free_port())
    try:
        with TwinSession(stub_twins["m4"], plan=stub_plan(40, 4)) as twin:
            assert twin.port != taken
            assert twin.client.name() == "tinyhil-nucleo-f446re@twin"
    finally:
        blocker.close()


def test_real_build_is_refused(stub_twins):
    import dataclasses

    real = dataclasses.replace(stub_twins["m4"], variant="real")
    with pytest.raises(TwinError, match="expected 'twin'"):
        TwinSession(real)


def test_timing_requires_plugin(stub_twins):
    with TwinSession(stub_twins["m4"], plan=stub_plan(40, 4)) as twin:
        with pytest.raises(TwinError, match="timing=True"):
            twin.read_new_regions()


def test_qemu_dies_with_a_crashed_harness(tmp_path):
    """A harness process that dies without any clean-up (os._exit) still takes its QEMU with it."""
    import subprocess
    import sys

    script = tmp_path / "crashing_harness.py"
    script.write_text(
        "import os, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1] / 'firmware')!r})\n"
        "from stub_plan import stub_plan\n"
        "from harness.boards import get_board\n"
        "from harness.firmware import build_firmware\n"
        "from harness.twin.session import TwinSession\n"
        f"image = build_firmware(get_board('nucleo-f446re'), 'twin', engine_dir={str(STUB_ENGINE_DIR)!r})\n"
        "twin = TwinSession(image, plan=stub_plan(40, 4)).start()\n"
        "print(twin.proc.pid, flush=True)\n"
        "os._exit(0)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(session_mod.__file__).resolve().parents[2]))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 5
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _pid_alive(pid)
